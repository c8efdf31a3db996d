"""CEL ``x-kubernetes-validations``, evaluated on writes as the apiextensions API server does.

Rules are compiled once per CRD version (``Validator.build``, kept on the ``StructuralSchema``)
and evaluated after the schema holds, with ``self`` bound to the value at the rule's node as a
Kubernetes-typed CEL value: ``integer`` is int and ``number`` double (even for a JSON ``1``),
``format: byte`` bytes, ``date``/``date-time`` timestamps, ``duration`` durations, set and map
lists compare without order, and the resource root shows only ``apiVersion``, ``kind`` and
``metadata.name``/``generateName``.

Object properties are seen by their escaped names (``self.__import__``, ``self.a__dash__b``);
map keys as they are (``self['a-b']``). Undeclared, unescapable and null properties are not
seen, but still count in ``==``.

A rule that uses ``oldSelf`` (a transition rule) runs only on an update where the old value
exists and is correlatable: map keys and object properties correlate (unless
``x-kubernetes-map-type: atomic``), list items only in ``map`` lists, by their keys. With
``optionalOldSelf: true`` it runs on create too, with ``oldSelf`` an optional (``hasValue()``,
``value()``, ``orValue()``).

A failed rule becomes the field error the API server returns: its ``reason`` (Invalid,
Forbidden, Required or Duplicate), at the node's path plus its ``fieldPath``, with ``message``,
``messageExpression`` or ``failed rule: <rule>``; an object or list shows as ``"object"`` or
``"array"``, a scalar as itself. Evaluation errors are reported as the API server words them.
Outcomes are remembered under the values each rule reads (``celmemo.py``).

Not emulated: the runtime cost budget (cel-python does not meter evaluation), ratcheting of
unchanged values, and the CEL libraries beyond the common strings, lists and regex functions
and the optional type's methods (no ``url()``, ``quantity()``, ``ip()``, ``cidr()``, ``?.``).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import functools
import re
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from instance_operator.kubeapi import celfunctions, celmemo
from instance_operator.kubeapi.crd_validation.cel_types import escape, with_type_and_object_meta

Schema = dict[str, Any]
Cause = dict[str, str]
Path = list[str]

_ENV = celpy.Environment()
_OLD_SELF = "oldSelf"
_UNESCAPE = re.compile(r"\\(.)")

_REASONS = {
    "FieldValueForbidden": "Forbidden",
    "FieldValueRequired": "Required value",
    "FieldValueDuplicate": "Duplicate value",
}


@dataclasses.dataclass
class _Rule:
    source: dict[str, Any]
    program: Any  # celpy.Runner, or None when the rule did not compile
    message_program: Any
    reads: celmemo.Reads
    field_path: Path
    compile_error: str = ""
    #: True (holds), False (fails) or an evaluation error's text, by what the rule reads.
    outcomes: celmemo.Outcomes = dataclasses.field(default_factory=celmemo.Outcomes)

    @property
    def uses_old_self(self) -> bool:
        return _OLD_SELF in self.reads

    @property
    def text(self) -> str:
        """What error messages call the rule: its message, else its expression."""
        return str(self.source.get("message") or self.source["rule"]).strip()


@dataclasses.dataclass
class Validator:
    """The rules of one schema node and validators of the nodes below that hold any."""

    schema: Schema
    rules: list[_Rule]
    properties: dict[str, Validator]
    items: Validator | None
    additional: Validator | None
    resource_root: bool
    #: A property's raw name by the name CEL knows it by, where ``self`` is an object; None for
    #: a map (or a node that is no object), whose keys CEL sees unchanged.
    names: dict[str, str] | None = None

    @classmethod
    def build(cls, schema: Schema, *, resource_root: bool = True) -> Validator | None:
        """Compile every rule under ``schema``; ``None`` where no node below holds one."""
        properties = {}
        for key, sub in schema.get("properties", {}).items():
            if key == "metadata" and resource_root:
                continue
            child = cls.build(sub, resource_root=bool(sub.get("x-kubernetes-embedded-resource")))
            if child is not None:
                properties[key] = child
        items = additional = None
        if isinstance(schema.get("items"), dict):
            items = cls.build(
                schema["items"],
                resource_root=bool(schema["items"].get("x-kubernetes-embedded-resource")),
            )
        if isinstance(schema.get("additionalProperties"), dict):
            sub = schema["additionalProperties"]
            additional = cls.build(
                sub, resource_root=bool(sub.get("x-kubernetes-embedded-resource"))
            )
        rules = [_compile(rule) for rule in schema.get("x-kubernetes-validations", [])]
        if not (rules or properties or items or additional):
            return None
        names = _cel_names(_object_schema(schema, resource_root))
        return cls(schema, rules, properties, items, additional, resource_root, names)

    def validate(self, obj: Any, old: Any, path: Path | None = None) -> list[Cause]:
        """Field errors of every rule under this node; ``old`` is ``None`` on create."""
        path = path or []
        if obj is None:
            return []
        causes = self._expressions(obj, old, path)
        if isinstance(obj, dict):
            correlates = self.schema.get("x-kubernetes-map-type") != "atomic"
            for key, value in obj.items():
                sub = self.properties.get(key) or (
                    self.additional if key not in self.schema.get("properties", {}) else None
                )
                if sub is None:
                    continue
                old_value = old.get(key) if correlates and isinstance(old, dict) else None
                part = f".{key}" if key in self.properties else f"[{key}]"
                causes += sub.validate(value, old_value, [*path, part])
        elif isinstance(obj, list) and self.items is not None:
            old_items = _correlated_items(self.schema, obj, old)
            for index, item in enumerate(obj):
                causes += self.items.validate(item, old_items[index], [*path, f"[{index}]"])
        return causes

    def _expressions(self, obj: Any, old: Any, path: Path) -> list[Cause]:
        if not self.rules:
            return []
        kind = str(self.schema.get("type", ""))
        values = {
            "self": _visible(obj, self.resource_root),
            "oldSelf": None if old is None else _visible(old, self.resource_root),
        }
        converted: dict[str, Any] = {}

        def activation(optional: bool) -> dict[str, Any]:
            if not converted:
                converted.update(
                    {
                        name: to_cel(value, self.schema, resource_root=self.resource_root)
                        for name, value in values.items()
                    }
                )
            old_value = converted["oldSelf"]
            return {
                "self": converted["self"],
                "oldSelf": celfunctions.Optional(old_value) if optional else old_value,
            }

        causes = []
        for rule in self.rules:
            if rule.compile_error:
                causes.append(_invalid(path, kind, f"rule compile error: {rule.compile_error}"))
                continue
            optional = bool(rule.source.get("optionalOldSelf"))
            if rule.uses_old_self and old is None and not optional:
                continue
            key = celmemo.key(rule.reads, values, self.names)
            outcome = rule.outcomes.get(key)
            if outcome is None:
                outcome = _evaluate(rule, activation(optional))
                rule.outcomes.put(key, outcome)
            if outcome is True:
                continue
            if isinstance(outcome, str):
                causes.append(_invalid(path, kind, outcome))
                continue
            message = _message(rule, activation(False))  # as the API server binds it
            causes.append(_failure(path + rule.field_path, obj, kind, message, rule.source))
        return causes


def _evaluate(rule: _Rule, activation: dict[str, Any]) -> bool | str:
    """True if the rule holds, False if not, or the API server's words for its evaluation error."""
    try:
        result = rule.program.evaluate(activation)
    except CELEvalError as error:
        return _evaluation_error(error, rule)
    return result is True or (isinstance(result, celtypes.BoolType) and bool(result))


def _compile(source: dict[str, Any]) -> _Rule:
    field_path = parse_field_path(str(source.get("fieldPath") or ""))
    try:
        ast = _ENV.compile(source["rule"])
        program = _ENV.program(ast, functions=celfunctions.LIBRARY)
        message_program = None
        if source.get("messageExpression"):
            message_ast = _ENV.compile(source["messageExpression"])
            message_program = _ENV.program(message_ast, functions=celfunctions.LIBRARY)
    except CELParseError as error:
        return _Rule(source, None, None, {}, field_path, compile_error=str(error))
    return _Rule(source, program, message_program, celmemo.reads(ast), field_path)


def parse_field_path(text: str) -> Path:
    """``.spec['a.b'].c`` as path parts (``.spec``, ``.a.b``, ``.c``), as the API server joins them."""
    parts = []
    for name, quoted in re.findall(r"\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]", text):
        parts.append("." + (name or _UNESCAPE.sub(r"\1", quoted)))
    return parts


def _message(rule: _Rule, activation: dict[str, Any]) -> str:
    if rule.message_program is not None:
        try:
            message = rule.message_program.evaluate(activation)
        except CELEvalError:
            message = None
        if isinstance(message, str) and message.strip() and "\n" not in message.strip():
            return message.strip()
    if rule.source.get("message"):
        return str(rule.source["message"]).strip()
    return f"failed rule: {rule.text}"


def _failure(path: Path, obj: Any, kind: str, message: str, source: dict[str, Any]) -> Cause:
    field = render_path(path)
    shown = _render(obj, kind)
    reason = str(source.get("reason") or "FieldValueInvalid")
    if reason == "FieldValueDuplicate":
        return {"reason": reason, "message": f"Duplicate value: {shown}", "field": field}
    if reason in _REASONS:
        return {"reason": reason, "message": f"{_REASONS[reason]}: {message}", "field": field}
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown}: {message}",
        "field": field,
    }


def _invalid(path: Path, kind: str, message: str) -> Cause:
    shown = f'"{kind}"'
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown}: {message}",
        "field": render_path(path),
    }


# cel-python's words for runtime errors -> cel-go's, which the API server shows.
_CEL_GO_WORDING = {
    "modulus or divide by zero": "division by zero",
    "return error for overflow": "integer overflow",
}


def _evaluation_error(error: CELEvalError, rule: _Rule) -> str:
    text = str(error.args[0]) if error.args else str(error)
    missing = re.match(r"no such member in mapping: '(.*)'", text)
    if missing:
        text = f"no such key: {missing.group(1)}"
    text = _CEL_GO_WORDING.get(text, text)
    if text.startswith(("found no matching overload", "no such overload")):
        return (
            f"'no such overload': call arguments did not match a supported operator, "
            f"function or macro signature for rule: {rule.text}"
        )
    return f"{text} evaluating rule: {rule.text}"


def render_path(parts: Path) -> str:
    """The API server's rendering; the resource root is a nil path: ``<nil>``."""
    return "".join(parts).lstrip(".") or "<nil>"


def _render(value: Any, kind: str) -> str:
    if kind in ("object", "array") or isinstance(value, dict | list):
        return '"object"' if isinstance(value, dict) else '"array"'
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _visible(obj: Any, resource_root: bool) -> Any:
    """At a resource root, CEL sees only the envelope's apiVersion, kind, name, generateName."""
    if not resource_root or not isinstance(obj, dict):
        return obj
    visible = dict(obj)
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        visible["metadata"] = {k: meta[k] for k in ("name", "generateName") if k in meta}
    return visible


def _correlated_items(schema: Schema, items: list[Any], old: Any) -> list[Any]:
    """Each item's old counterpart: only ``map`` lists correlate, by their keys."""
    keys = schema.get("x-kubernetes-list-map-keys") or []
    if schema.get("x-kubernetes-list-type") != "map" or not keys or not isinstance(old, list):
        return [None] * len(items)

    def key(item: Any) -> tuple[Any, ...] | None:
        return tuple(item.get(k) for k in keys) if isinstance(item, dict) else None

    by_key = {key(item): item for item in old}
    return [by_key.get(key(item)) for item in items]


class _Object(celtypes.MapType):
    """An object with declared properties (apiserver's ``unstructuredMap`` of an object): CEL
    finds a property by its escaped name only. What it cannot reach (undeclared or unescapable
    fields, and nulls, which count as absent) still takes part in equality, as in the real
    ``Equal``."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, Any] = {}

    def __eq__(self, other: Any) -> bool:
        same = super().__eq__(other)
        if same and isinstance(other, _Object):
            return self.hidden == other.hidden
        return same

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]


def _object_schema(schema: Schema, resource_root: bool) -> Schema:
    """The schema CEL sees an object by: a resource also has its kind, apiVersion and metadata."""
    if resource_root or schema.get("x-kubernetes-embedded-resource"):
        return with_type_and_object_meta(schema)
    return schema


def _cel_names(schema: Schema) -> dict[str, str] | None:
    """``{cel_name: raw_name}`` of an object's escapable properties; None if it is no object."""
    if not isinstance(schema.get("properties"), dict):
        return None
    names = {}
    for raw in schema["properties"]:
        escaped = _escaped(raw)
        if escaped is not None:
            names[escaped] = raw
    return names


@functools.lru_cache(maxsize=4096)
def _escaped(name: str) -> str | None:
    return escape(name)


def to_cel(value: Any, schema: Schema, *, resource_root: bool = False) -> Any:
    """A JSON value as the CEL value Kubernetes gives it under ``schema`` (``resource_root``: the
    value is a resource, as the root of a custom resource is)."""
    if value is None:
        return None
    if schema.get("x-kubernetes-int-or-string") or (
        schema.get("x-kubernetes-preserve-unknown-fields")
        and "properties" not in schema
        and "type" not in schema
    ):
        return json_to_cel(value)
    kind = schema.get("type")
    if kind == "integer" and isinstance(value, int):
        return celtypes.IntType(value)
    if kind == "number" and isinstance(value, int | float):
        return celtypes.DoubleType(float(value))
    if kind == "string" and isinstance(value, str):
        return _string(value, str(schema.get("format", "")))
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        converted = [to_cel(item, items or {}) for item in value]
        if schema.get("x-kubernetes-list-type") in ("set", "map"):
            return celfunctions.UnorderedList(converted)
        return celtypes.ListType(converted)
    if isinstance(value, dict):
        schema = _object_schema(schema, resource_root)
        if isinstance(schema.get("properties"), dict):
            return _object(value, schema["properties"])
        additional = schema.get("additionalProperties")
        values = additional if isinstance(additional, dict) else {}
        result = celtypes.MapType()
        for key, item in value.items():  # a map: its keys as they are
            result[celtypes.StringType(key)] = to_cel(item, values)
        return result
    return json_to_cel(value)


def _object(value: dict[str, Any], properties: dict[str, Schema]) -> _Object:
    result = _Object()
    for key, item in value.items():
        sub = properties.get(key)
        name = _escaped(key) if isinstance(sub, dict) else None
        if name is None or item is None:
            result.hidden[key] = item
        else:
            result[celtypes.StringType(name)] = to_cel(item, sub or {})
    return result


def _string(value: str, fmt: str) -> Any:
    try:
        if fmt == "byte":
            return celtypes.BytesType(base64.b64decode(value, validate=True))
        if fmt == "date":
            day = datetime.date.fromisoformat(value)
            return celtypes.TimestampType(
                datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
            )
        if fmt == "date-time":
            return celtypes.TimestampType(value)
        if fmt == "duration":
            return celtypes.DurationType(value)
    except (ValueError, binascii.Error):
        pass  # the format check has already reported it
    return celtypes.StringType(value)
