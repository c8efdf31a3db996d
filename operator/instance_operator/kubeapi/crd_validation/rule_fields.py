"""The fields of an ``x-kubernetes-validations`` entry, apart from compiling the rule.

An empty rule, a blank or multi-line message, a multi-line rule without a message, a blank
``messageExpression``, a ``reason`` other than the four field-error reasons, and a ``fieldPath``
that is blank, multi-line or names no field of the schema are refused.
"""

from __future__ import annotations

import re
from typing import Any

from instance_operator.kubeapi.crd_validation.cel_rules import has_newlines
from instance_operator.kubeapi.crd_validation.fields import (
    Cause,
    Path,
    invalid,
    not_supported,
    required,
)

SUPPORTED_REASONS = [
    "FieldValueDuplicate",
    "FieldValueForbidden",
    "FieldValueInvalid",
    "FieldValueRequired",
]

#: One step of a rule's ``fieldPath``: ``.name``, ``['key']`` or ``[0]``.
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")


def check_rule_fields(schema: dict[str, Any], path: Path) -> list[Cause]:
    causes: list[Cause] = []
    for index, rule in enumerate(schema["x-kubernetes-validations"]):
        where = path.child("x-kubernetes-validations").index(index)
        source = rule.get("rule", "")
        message = rule.get("message", "")
        if not source.strip():
            causes.append(required(where.child("rule"), "rule is not specified"))
        elif message and not message.strip():
            causes.append(
                invalid(where.child("message"), message, "message must be non-empty if specified")
            )
        elif has_newlines(message.strip()):
            causes.append(
                invalid(where.child("message"), message, "message must not contain line breaks")
            )
        elif has_newlines(source.strip()) and not message.strip():
            causes.append(
                required(
                    where.child("message"), "message must be specified if rule contains line breaks"
                )
            )
        expression = rule.get("messageExpression", "")
        if expression and not expression.strip():
            causes.append(
                required(
                    where.child("messageExpression"),
                    "messageExpression must be non-empty if specified",
                )
            )
        reason = rule.get("reason")
        if reason is not None and reason not in SUPPORTED_REASONS:
            causes.append(not_supported(where.child("reason"), reason, SUPPORTED_REASONS))
        field_path = rule.get("fieldPath", "")
        if field_path and not field_path.strip():
            causes.append(
                invalid(
                    where.child("fieldPath"), field_path, "fieldPath must be non-empty if specified"
                )
            )
        if has_newlines(field_path):
            causes.append(
                invalid(
                    where.child("fieldPath"), field_path, "fieldPath must not contain line breaks"
                )
            )
        if field_path and not valid_field_path(schema, field_path):
            causes.append(
                invalid(where.child("fieldPath"), field_path, "fieldPath must be a valid path")
            )
    return causes


def valid_field_path(schema: dict[str, Any], text: str) -> bool:
    """Whether the path names a field the schema declares (``cel.ValidFieldPath``)."""
    position = 0
    node = schema
    while position < len(text):
        step = _STEP.match(text, position)
        if step is None:
            return False
        position = step.end()
        name, key, index = step.groups()
        if index is not None:
            if node.get("type") != "array" or not isinstance(node.get("items"), dict):
                return False
            node = node["items"]
            continue
        name = name if name is not None else key.replace("\\'", "'")
        properties = node.get("properties") or {}
        if name in properties:
            node = properties[name]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return False
    return position > 0
