"""Whether a schema decodes into the API server's ``JSONSchemaProps`` at all.

A real server refuses a schema whose keywords have the wrong JSON types while decoding the request
(before any rule runs); the rules here assume the shapes are right, so such a schema is refused
first, naming the first keyword of the wrong shape.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi.crd_validation.fields import Path

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_STRING_LISTS = ("required", "x-kubernetes-list-map-keys")
_STRINGS = ("type", "format", "pattern", "description", "title", "x-kubernetes-list-type")
_NUMBERS = ("maximum", "minimum", "multipleOf")
_INTEGERS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_BOOLEANS = (
    "nullable",
    "uniqueItems",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
)


def misshapen(schema: Any, path: Path) -> tuple[Path, str] | None:
    """The first keyword that does not decode, and what it should be; None if all do."""
    if not isinstance(schema, dict):
        return path, "must be an object"
    return _wrong_scalar(schema, path) or _wrong_subschema(schema, path)


def _wrong_scalar(schema: dict[str, Any], path: Path) -> tuple[Path, str] | None:
    checks: list[tuple[tuple[str, ...], type | tuple[type, ...], str]] = [
        (_STRINGS, str, "a string"),
        (_NUMBERS, (int, float), "a number"),
        (_INTEGERS, int, "an integer"),
        (_BOOLEANS, bool, "a boolean"),
    ]
    for keywords, kind, name in checks:
        for keyword in keywords:
            if keyword in schema and (
                not isinstance(schema[keyword], kind)
                or isinstance(schema[keyword], bool) is not (kind is bool)
            ):
                return path.child(keyword), f"must be {name}"
    for keyword in _STRING_LISTS:
        value = schema.get(keyword, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return path.child(keyword), "must be a list of strings"
    rules = schema.get("x-kubernetes-validations", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        return path.child("x-kubernetes-validations"), "must be a list of objects"
    return None


def _wrong_subschema(schema: dict[str, Any], path: Path) -> tuple[Path, str] | None:
    for keyword in _SCHEMA_MAPS:
        value = schema.get(keyword, {})
        if not isinstance(value, dict):
            return path.child(keyword), "must be an object"
        for name, sub in value.items():
            found = misshapen(sub, path.child(keyword).key(name))
            if found:
                return found
    for keyword in _SCHEMA_LISTS:
        value = schema.get(keyword, [])
        if not isinstance(value, list):
            return path.child(keyword), "must be a list"
        for index, sub in enumerate(value):
            found = misshapen(sub, path.child(keyword).index(index))
            if found:
                return found
    for keyword in ("not", "items", "additionalProperties"):
        if keyword not in schema or (
            keyword == "additionalProperties" and isinstance(schema[keyword], bool)
        ):
            continue
        value = schema[keyword]
        subs = value if keyword == "items" and isinstance(value, list) else [value]
        for sub in subs:
            found = misshapen(sub, path.child(keyword))
            if found:
                return found
    return None
