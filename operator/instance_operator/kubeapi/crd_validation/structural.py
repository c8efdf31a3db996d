"""Structural schema invariants (apiextensions' ``schema.ValidateStructural``).

Pruning, defaulting and CEL need a type at every node, and a schema the server can reason about
without evaluating junctors: so ``type`` is required (except for int-or-string and
preserve-unknown-fields nodes), the root is an object without ``additionalProperties``, the root's
``metadata`` may only constrain ``name`` and ``generateName`` (anything else, even a
``description``, is refused), and inside ``anyOf``/``allOf``/``oneOf``/``not`` only value
validations are allowed. The API server sorts these errors by their text; so do we.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi.crd_validation.fields import (
    Cause,
    Path,
    forbidden,
    invalid,
    required,
)

Schema = dict[str, Any]

ROOT, ITEM, FIELD = "root", "item", "field"

_JUNCTORS = ("anyOf", "allOf", "oneOf")
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


def validate_structural(path: Path, schema: Schema) -> list[Cause]:
    causes = _invariants(schema, ROOT, path)
    return sorted(causes, key=lambda c: f"{c['field']}: {c['message']}")


def _invariants(s: Schema | None, level: str, path: Path) -> list[Cause]:
    if s is None:
        return []
    causes: list[Cause] = []
    kind = s.get("type", "")
    if kind == "array" and "items" not in s:
        causes.append(required(path.child("items"), "must be specified"))
    if isinstance(s.get("items"), dict):
        causes += _invariants(s["items"], ITEM, path.child("items"))
    for name, sub in (s.get("properties") or {}).items():
        causes += _invariants(sub, FIELD, path.child("properties").key(name))
    if "additionalProperties" in s:
        if level == ROOT:
            causes.append(
                forbidden(path.child("additionalProperties"), "must not be used at the root")
            )
        if isinstance(s["additionalProperties"], dict):
            causes += _invariants(
                s["additionalProperties"], FIELD, path.child("additionalProperties")
            )

    causes += _extensions(s, path)
    skip_any_of = s.get("anyOf") == _INT_OR_STRING
    all_of = s.get("allOf") or []
    skip_first_all_of = bool(all_of) and all_of[0].get("anyOf") == _INT_OR_STRING
    causes += _value_validation(s, skip_any_of, skip_first_all_of, path)

    causes += _types(s, level, path)
    causes += _resource_fields(s, level, path)
    return causes


def _extensions(s: Schema, path: Path) -> list[Cause]:
    """``x-kubernetes-int-or-string`` excludes the two other shape extensions."""
    causes: list[Cause] = []
    int_or_string = bool(s.get("x-kubernetes-int-or-string"))
    preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
    embedded = bool(s.get("x-kubernetes-embedded-resource"))
    if int_or_string and preserve:
        causes.append(
            invalid(
                path.child("x-kubernetes-preserve-unknown-fields"),
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    if int_or_string and embedded:
        causes.append(
            invalid(
                path.child("x-kubernetes-embedded-resource"),
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )

    return causes


def _types(s: Schema, level: str, path: Path) -> list[Cause]:
    """A type everywhere (objects for embedded resources and the root)."""
    causes: list[Cause] = []
    kind = s.get("type", "")
    embedded = bool(s.get("x-kubernetes-embedded-resource"))
    int_or_string = bool(s.get("x-kubernetes-int-or-string"))
    preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
    if embedded and kind != "object":
        detail = "must be object if x-kubernetes-embedded-resource is true"
        if not kind:
            causes.append(required(path.child("type"), detail))
        else:
            causes.append(invalid(path.child("type"), kind, detail))
    elif not kind and not int_or_string and not preserve:
        detail = {
            ROOT: "must not be empty at the root",
            ITEM: "must not be empty for specified array items",
            FIELD: "must not be empty for specified object fields",
        }[level]
        causes.append(required(path.child("type"), detail))
    if embedded and "additionalProperties" in s:
        causes.append(
            forbidden(
                path.child("additionalProperties"),
                "must not be used if x-kubernetes-embedded-resource is set",
            )
        )
    if level == ROOT and kind and kind != "object":
        causes.append(invalid(path.child("type"), kind, "must be object at the root"))
    return causes


def _resource_fields(s: Schema, level: str, path: Path) -> list[Cause]:
    """``kind``, ``apiVersion`` and ``metadata`` at a resource's root; embedded resources."""
    causes: list[Cause] = []
    embedded = bool(s.get("x-kubernetes-embedded-resource"))
    preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))

    check_metadata = level == ROOT or embedded
    properties = s.get("properties") or {}
    for name in ("kind", "apiVersion"):
        if name in properties and check_metadata and properties[name].get("type", "") != "string":
            field = path.child("properties").key(name).child("type")
            causes.append(invalid(field, properties[name].get("type", ""), "must be string"))
    if "metadata" in properties:
        causes += _metadata(
            properties["metadata"], check_metadata, level, path.child("properties").key("metadata")
        )
    if embedded and not preserve and not properties:
        causes.append(
            required(
                path.child("properties"),
                "must not be empty if x-kubernetes-embedded-resource is true without"
                " x-kubernetes-preserve-unknown-fields",
            )
        )
    return causes


def _metadata(s: Schema, check_metadata: bool, level: str, path: Path) -> list[Cause]:
    causes: list[Cause] = []
    if check_metadata and s.get("type", "") != "object":
        causes.append(invalid(path.child("type"), s.get("type", ""), "must be object"))
    if level == ROOT:
        rest = {k: v for k, v in s.items() if k not in ("type", "default")}
        properties = rest.get("properties")
        if properties is not None and set(properties) <= {"name", "generateName"} and properties:
            del rest["properties"]
        if rest:
            causes.append(
                forbidden(
                    path,
                    "must not specify anything other than name and generateName, but metadata is"
                    " implicitly specified",
                )
            )
    return causes


def _value_validation(
    s: Schema, skip_any_of: bool, skip_first_all_of: bool, path: Path
) -> list[Cause]:
    causes: list[Cause] = []
    if not skip_any_of:
        for i, sub in enumerate(s.get("anyOf") or []):
            causes += _nested(sub, False, path.child("anyOf").index(i))
    for i, sub in enumerate(s.get("allOf") or []):
        causes += _nested(sub, skip_first_all_of and i == 0, path.child("allOf").index(i))
    for i, sub in enumerate(s.get("oneOf") or []):
        causes += _nested(sub, False, path.child("oneOf").index(i))
    if isinstance(s.get("not"), dict):
        causes += _nested(s["not"], False, path.child("not"))
    return causes


#: What a schema under a junctor must leave out, with the API server's wording, and how the API
#: server tells it is there: ``set`` (any value but null: a default of 0 or ``additionalProperties:
#: false`` counts), ``nonempty`` (a non-empty string or list) or ``true`` (a flag set).
_NESTED_FORBIDDEN = (
    ("type", "nonempty", "must be empty to be structural"),
    ("additionalProperties", "set", "must be undefined to be structural"),
    ("default", "set", "must be undefined to be structural"),
    ("title", "nonempty", "must be empty to be structural"),
    ("description", "nonempty", "must be empty to be structural"),
    ("nullable", "true", "must be false to be structural"),
    ("externalDocs", "set", "must be undefined to be structural"),
    ("x-kubernetes-preserve-unknown-fields", "true", "must be false to be structural"),
    ("x-kubernetes-embedded-resource", "true", "must be false to be structural"),
    ("x-kubernetes-int-or-string", "true", "must be false to be structural"),
    ("x-kubernetes-list-map-keys", "nonempty", "must be empty to be structural"),
    ("x-kubernetes-list-type", "set", "must be undefined to be structural"),
    ("x-kubernetes-map-type", "set", "must be undefined to be structural"),
    ("x-kubernetes-validations", "nonempty", "must be empty to be structural"),
)


def _present(value: Any, how: str) -> bool:
    if how == "set":
        return value is not None
    if how == "true":
        return value is True
    return bool(value)


def _nested(s: Schema, skip_any_of: bool, path: Path) -> list[Cause]:
    causes = _value_validation(s, skip_any_of, False, path)
    if isinstance(s.get("items"), dict):
        causes += _nested(s["items"], False, path.child("items"))
    for name, sub in (s.get("properties") or {}).items():
        causes += _nested(sub, False, path.child("properties").key(name))
    for keyword, how, detail in _NESTED_FORBIDDEN:
        if _present(s.get(keyword), how):
            causes.append(forbidden(path.child(keyword), detail))
    if "metadata" in (s.get("properties") or {}):
        causes.append(
            forbidden(
                path.child("properties").key("metadata"),
                "must not be specified in a nested context",
            )
        )
    return causes
