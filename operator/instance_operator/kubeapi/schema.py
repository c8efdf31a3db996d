"""A CRD version's ``openAPIV3Schema`` applied the way the API server applies it on writes.

Order matters and follows the API server: unknown fields are pruned first (so they never fail
validation), then ``default:`` values are filled in, then the result is validated. Validation
uses ``jsonschema`` (Draft 4, whose boolean ``exclusiveMinimum`` matches OpenAPI 3.0) after
translating the Kubernetes extensions it does not know: ``nullable`` and
``x-kubernetes-int-or-string``. ``metadata`` is never pruned or validated against the schema:
the API server checks it as ObjectMeta instead. Errors are worded as kube-openapi's, converted
the apiextensions way (``maxLength`` is ``Too long``, ``maxItems``/``maxProperties`` ``Too many``,
a type error shows the value's JSON type). Then ``x-kubernetes-list-type: set`` lists are
checked for repeats, the supported ``format``s (``formats.py``), and, unless an error above blocks them as it does in the API server (a missing,
unsupported, too long, too many or mistyped value), the CEL ``x-kubernetes-validations``
(``cel_rules.py``), with ``oldSelf`` on updates.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema

from instance_operator.kubeapi import cel_rules, formats

Schema = dict[str, Any]

# Fields every object keeps, whatever its schema says (ObjectMeta and TypeMeta).
_ENVELOPE = ("apiVersion", "kind", "metadata")


class StructuralSchema:
    """One version's schema, prepared once per CRD write and reused for every object."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        without_meta = dict(schema)
        without_meta["properties"] = {
            key: value
            for key, value in schema.get("properties", {}).items()
            if key not in _ENVELOPE
        }
        self._validator = jsonschema.Draft4Validator(_to_json_schema(without_meta))
        self._rules = cel_rules.Validator.build(schema)

    def prune(self, obj: dict[str, Any]) -> list[str]:
        """Drop fields the schema does not declare, in place, keeping the envelope; their paths."""
        dropped: list[str] = []
        _prune(self.schema, obj, [], dropped, keep=_ENVELOPE)
        return dropped

    def default(self, obj: dict[str, Any]) -> None:
        """Fill in ``default:`` values of absent fields, in place, outermost first."""
        _default(self.schema, obj)

    def validate(
        self, obj: dict[str, Any], old: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        """Field errors as API ``causes`` (reason, message, field); ``old`` is ``None`` on create.

        Schema and format errors come first, in a stable order, then the CEL rules' errors.
        """
        causes: dict[tuple[str, str], dict[str, str]] = {}
        for error in self._validator.iter_errors(obj):
            for cause in _causes(error):
                causes.setdefault((cause["field"], cause["message"]), cause)
        for cause in _duplicates_in_sets(self.schema, obj, []):
            causes.setdefault((cause["field"], cause["message"]), cause)
        for path, name, value in formats.check(self.schema, obj):
            cause = _format_cause(path, name, value)
            causes.setdefault((cause["field"], cause["message"]), cause)
        found = [causes[key] for key in sorted(causes)]
        if self._rules is None:
            return found
        if any(cause["reason"] in _BLOCKING for cause in found):
            return [*found, _NOT_CHECKED]
        return found + self._rules.validate(obj, old)


# Errors after which the API server does not run the CEL rules (strategy.go, hasBlockingErr).
_BLOCKING = frozenset(
    {
        "FieldValueNotSupported",
        "FieldValueRequired",
        "FieldValueTooLong",
        "FieldValueTooMany",
        "FieldValueTypeInvalid",
    }
)
_NOT_CHECKED = {
    "reason": "FieldValueInvalid",
    "message": "Invalid value: null: some validation rules were not checked because the object "
    "was invalid; correct the existing errors to complete validation",
    "field": "<nil>",
}


def _duplicates_in_sets(schema: Schema, value: Any, path: list[Any]) -> list[dict[str, str]]:
    """``x-kubernetes-list-type: set`` lists repeat no item (the API server's list-type check)."""
    found = []
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        if schema.get("x-kubernetes-list-type") == "set":
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    message = f"Duplicate value: {_render(item)}"
                    field = field_path([*path, index])
                    found.append(
                        {"reason": "FieldValueDuplicate", "message": message, "field": field}
                    )
                seen.append(item)
        for index, item in enumerate(value):
            found += _duplicates_in_sets(items or {}, item, [*path, index])
    elif isinstance(value, dict):
        properties: dict[str, Schema] = schema.get("properties", {})
        for key, item in value.items():
            if key in properties and not (not path and key == "metadata"):
                found += _duplicates_in_sets(properties[key], item, [*path, key])
    return found


def _format_cause(path: list[Any], name: str, value: str) -> dict[str, str]:
    field = field_path(path)
    shown = json.dumps(value)
    message = f"Invalid value: {shown}: {field} in body must be of type {name}: {shown}"
    return {"reason": "FieldValueTypeInvalid", "message": message, "field": field}


def _to_json_schema(schema: Schema) -> Schema:
    result: Schema = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions"):
            result[key] = {name: _to_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            result[key] = _to_json_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            result[key] = [_to_json_schema(sub) for sub in value]
        elif key not in ("nullable", "default") and not key.startswith("x-kubernetes-"):
            result[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        result.pop("type", None)
        result = {"allOf": [result, {"anyOf": [{"type": "integer"}, {"type": "string"}]}]}
    if schema.get("nullable"):
        result = {"anyOf": [result, {"type": "null"}]}
    return result


def _prune(
    schema: Schema, value: Any, path: list[Any], dropped: list[str], keep: tuple[str, ...] = ()
) -> None:
    if isinstance(value, dict):
        properties: dict[str, Schema] = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        if schema.get("x-kubernetes-embedded-resource"):
            keep = _ENVELOPE
        for key in list(value):
            if key in keep:
                continue
            if key in properties:
                _prune(properties[key], value[key], [*path, key], dropped)
            elif isinstance(additional, dict):
                _prune(additional, value[key], [*path, key], dropped)
            elif not preserve and additional is not True:
                del value[key]
                dropped.append(field_path([*path, key]))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _prune(schema["items"], item, [*path, index], dropped)


def _default(schema: Schema, value: Any) -> None:
    if isinstance(value, dict):
        properties: dict[str, Schema] = schema.get("properties", {})
        for key, sub in properties.items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value and key != "metadata":
                _default(sub, value[key])
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            for key in value.keys() - properties.keys():
                _default(additional, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(schema["items"], item)


def field_path(parts: Any) -> str:
    """``spec.volumes[0].size``, as the API server names fields in its messages."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _render(value: Any) -> str:
    return (
        json.dumps(value)
        if isinstance(value, str | int | float | bool) or value is None
        else "object"
    )


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), "null")


def _causes(error: jsonschema.ValidationError) -> list[dict[str, str]]:
    path = list(error.absolute_path)
    field = field_path(path)
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return [
            {
                "reason": "FieldValueRequired",
                "message": "Required value",
                "field": field_path([*path, name]),
            }
            for name in missing
        ]
    shown = _render(error.instance)
    where = f"{field or '<root>'} in body"
    if error.validator == "enum":
        options = ", ".join(json.dumps(option) for option in error.validator_value)
        message = f"Unsupported value: {shown}: supported values: {options}"
        return [{"reason": "FieldValueNotSupported", "message": message, "field": field}]
    if error.validator == "type":  # kube-openapi shows the JSON type of the value, not the value
        given = json.dumps(_type_name(error.instance))
        message = (
            f"Invalid value: {given}: {where} must be of type {error.validator_value}: {given}"
        )
        return [{"reason": "FieldValueTypeInvalid", "message": message, "field": field}]
    if error.validator == "pattern":
        message = f"Invalid value: {shown}: {where} should match '{error.validator_value}'"
        return [{"reason": "FieldValueInvalid", "message": message, "field": field}]
    if error.validator == "maxLength":
        message = f"Too long: may not be more than {error.validator_value} bytes"
        return [{"reason": "FieldValueTooLong", "message": message, "field": field}]
    if error.validator in ("maxItems", "maxProperties"):
        message = (
            f"Too many: {len(error.instance)}: must have at most {error.validator_value} items"
        )
        return [{"reason": "FieldValueTooMany", "message": message, "field": field}]
    bounds = {
        "minimum": "be greater than or equal to",
        "maximum": "be less than or equal to",
        "minLength": "be at least",
        "minItems": "have at least",
        "minProperties": "have at least",
    }
    if error.validator in bounds:
        units = {"minLength": " chars long", "minItems": " items", "minProperties": " properties"}
        unit = units.get(str(error.validator), "")
        if error.validator in ("minItems", "minProperties"):  # kube-openapi shows the count
            shown = str(len(error.instance))
        message = f"Invalid value: {shown}: {where} should {bounds[str(error.validator)]} {error.validator_value}{unit}"
        return [{"reason": "FieldValueInvalid", "message": message, "field": field}]
    message = f"Invalid value: {shown}: {error.message}"
    return [{"reason": "FieldValueInvalid", "message": message, "field": field}]
