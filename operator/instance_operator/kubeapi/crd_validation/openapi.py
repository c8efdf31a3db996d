"""The OpenAPI keywords a CRD schema may use, walked node by node
(apiextensions' ``ValidateCustomResourceDefinitionOpenAPISchema`` and ``specStandardValidatorV3``).

At every node: a known ``type`` (never ``null``: ``nullable`` says that), no ``$ref``, ``id``,
``definitions``, ``dependencies``, ``patternProperties``, ``additionalItems`` or list-valued
``items``, no ``uniqueItems: true``, no ``additionalProperties`` beside ``properties``, no
``x-kubernetes-preserve-unknown-fields: false``, no embedded resource inside metadata, and no
``default`` inside the root's ``metadata``, ``apiVersion`` and ``kind`` or inside maps within
metadata. Then the list and map markers (:mod:`list_types`) and the rules (:mod:`rule_fields`,
and :mod:`cel_rules` once the node and everything below it is otherwise valid). ``oldSelf`` is
refused under lists that are not ``map`` lists and under atomic maps: the server cannot pair old
and new elements there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from instance_operator.kubeapi.crd_validation.cel_rules import CelContext, compile_rules
from instance_operator.kubeapi.crd_validation.fields import (
    Cause,
    Path,
    forbidden,
    invalid,
    not_supported,
)
from instance_operator.kubeapi.crd_validation.list_types import check_list_and_map_types
from instance_operator.kubeapi.crd_validation.rule_fields import check_rule_fields

OPENAPI_TYPES = ["array", "boolean", "integer", "number", "object", "string"]
_META_FIELDS = ("metadata", "kind", "apiVersion")
_UNSUPPORTED = (
    ("id", "id is not supported"),
    ("additionalItems", "additionalItems is not supported"),
    ("patternProperties", "patternProperties is not supported"),
    ("definitions", "definitions is not supported"),
    ("dependencies", "dependencies is not supported"),
    ("$ref", "$ref is not supported"),
)


@dataclass(frozen=True)
class Context:
    allow_defaults: bool = True
    disallow_defaults_reason: str = ""
    inside_resource_meta: bool = False
    #: The highest list or map above this node whose old and new elements cannot be paired.
    uncorrelatable: Path | None = None

    def without_defaults(self, reason: str) -> Context:
        return replace(self, allow_defaults=False, disallow_defaults_reason=reason)

    def forbid_old_self(self, path: Path) -> Context:
        return self if self.uncorrelatable is not None else replace(self, uncorrelatable=path)


@dataclass
class Errors:
    """Schema errors and CEL errors apart: rules are compiled only where the schema is sound."""

    schema: list[Cause]
    cel: list[Cause]

    def extend(self, other: Errors) -> None:
        self.schema += other.schema
        self.cel += other.cel


def validate_openapi(
    s: dict[str, Any], path: Path, context: Context, is_root: bool, cel: CelContext | None
) -> Errors:
    errors = Errors(_keywords(s, path, context), [])
    additional = s.get("additionalProperties")
    if s.get("properties") and (additional is False or isinstance(additional, dict)):
        errors.schema.append(
            forbidden(
                path.child("additionalProperties"),
                "additionalProperties and properties are mutual exclusive",
            )
        )
    for child in _children(s, path, context, is_root, cel):
        errors.extend(child)
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        errors.schema.append(
            invalid(
                path.child("x-kubernetes-preserve-unknown-fields"),
                False,
                "must be true or undefined",
            )
        )
    errors.schema += check_list_and_map_types(s, path)
    if s.get("x-kubernetes-validations"):
        errors.schema += check_rule_fields(s, path)
        if not errors.schema and cel is not None:
            errors.cel += compile_rules(s, path, cel, context.uncorrelatable)
    return errors


def _children(
    s: dict[str, Any], path: Path, context: Context, is_root: bool, cel: CelContext | None
) -> Iterator[Errors]:
    """The errors of every sub-schema, each under the context the API server gives it."""
    additional = s.get("additionalProperties")
    if isinstance(additional, dict):
        sub = context
        if context.inside_resource_meta:
            sub = sub.without_defaults("inside additionalProperties applying to object metadata")
        child = cel.child(additional) if cel else None
        yield validate_openapi(additional, path.child("additionalProperties"), sub, False, child)
    for name, prop in (s.get("properties") or {}).items():
        sub = context  # atomic and granular maps both correlate old and new (MapIsCorrelatable)
        if (is_root or s.get("x-kubernetes-embedded-resource")) and name in _META_FIELDS:
            sub = replace(sub, inside_resource_meta=True)
            if is_root:
                sub = sub.without_defaults(f"in top-level {name}")
        child = cel.child(prop) if cel else None
        yield validate_openapi(prop, path.child("properties").key(name), sub, False, child)
    if isinstance(s.get("not"), dict):
        yield validate_openapi(s["not"], path.child("not"), context, False, None)
    for junctor in ("allOf", "oneOf", "anyOf"):
        for index, sub_schema in enumerate(s.get(junctor) or []):
            yield validate_openapi(
                sub_schema, path.child(junctor).index(index), context, False, None
            )
    if isinstance(s.get("items"), dict):
        sub = context
        if s.get("x-kubernetes-list-type") != "map":
            sub = sub.forbid_old_self(path)
        child = cel.child(s["items"]) if cel else None
        yield validate_openapi(s["items"], path.child("items"), sub, False, child)


def _keywords(s: dict[str, Any], path: Path, context: Context) -> list[Cause]:
    causes: list[Cause] = []
    kind = s.get("type", "")
    if kind and kind not in OPENAPI_TYPES:
        causes.append(not_supported(path.child("type"), kind, OPENAPI_TYPES))
    if "default" in s and not context.allow_defaults:
        detail = "must not be set"
        if context.disallow_defaults_reason:
            detail += " " + context.disallow_defaults_reason
        causes.append(forbidden(path.child("default"), detail))
    for keyword, detail in _UNSUPPORTED:
        if s.get(keyword) not in (None, "", {}):
            causes.append(forbidden(path.child(keyword), detail))
    if kind == "null":
        causes.append(
            forbidden(
                path.child("type"), "type cannot be set to null, use nullable as an alternative"
            )
        )
    if isinstance(s.get("items"), list) and s["items"]:
        causes.append(
            forbidden(path.child("items"), "items must be a schema object and not an array")
        )
    if context.inside_resource_meta and s.get("x-kubernetes-embedded-resource"):
        causes.append(
            forbidden(
                path.child("x-kubernetes-embedded-resource"),
                "must not be used inside of resource meta",
            )
        )
    if s.get("uniqueItems") is True:
        causes.append(
            forbidden(
                path.child("uniqueItems"),
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            )
        )
    return causes
