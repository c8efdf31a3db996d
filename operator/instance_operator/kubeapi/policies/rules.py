"""A policy's ``resourceRules[i]`` as the API server validates a NamedRuleWithOperations.

Wildcards must stand alone in ``operations``, ``apiGroups`` and ``apiVersions``; ``resources``
may mix ``*`` with ``x/y`` subresource forms but not with plain resources, and ``*/*``, ``x/*``
and ``*/y`` exclude the entries they already cover. ``resourceNames`` is not modelled here.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi.crd_validation.fields import (
    Cause,
    Path,
    go_quote,
    invalid,
    not_supported,
    required,
)

OPERATIONS = ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")
SCOPES = ("*", "Cluster", "Namespaced")


def typed_slice(go_type: str, items: list[str]) -> str:
    """Go's ``%#v`` of a slice of a named string type."""
    return "[]" + go_type + "{" + ", ".join(go_quote(item) for item in items) + "}"


def rule_causes(rule: dict[str, Any], where: Path) -> list[Cause]:
    """``validateRuleWithOperations`` then ``validateRule``, in the API server's order."""
    causes: list[Cause] = []
    operations: list[str] = rule.get("operations") or []
    if not operations:
        causes.append(required(where.child("operations")))
    if len(operations) > 1 and "*" in operations:
        shown = typed_slice("admissionregistration.OperationType", operations)
        detail = "if '*' is present, must not specify other operations"
        causes.append(invalid(where.child("operations"), None, detail, rendered=shown))
    for index, operation in enumerate(operations):
        if operation not in OPERATIONS:
            at = where.child("operations").index(index)
            causes.append(not_supported(at, operation, list(OPERATIONS)))
    for field, words in (("apiGroups", "API groups"), ("apiVersions", "API versions")):
        values: list[str] = rule.get(field) or []
        if not values:
            causes.append(required(where.child(field)))
        if len(values) > 1 and "*" in values:
            detail = f"if '*' is present, must not specify other {words}"
            causes.append(invalid(where.child(field), values, detail))
    for index, version in enumerate(rule.get("apiVersions") or []):
        if version == "":
            causes.append(required(where.child("apiVersions").index(index)))
    causes += _resource_causes(rule.get("resources") or [], where.child("resources"))
    scope = rule.get("scope")
    if scope is not None and scope not in SCOPES:
        causes.append(not_supported(where.child("scope"), scope, list(SCOPES)))
    return causes


def _resource_causes(resources: list[str], where: Path) -> list[Cause]:
    causes: list[Cause] = []
    if not resources:
        causes.append(required(where))
    wildcard_subresources: set[str] = set()  # x/*
    wildcard_resources: set[str] = set()  # */y
    plain = False  # as the API server tracks it: the last plain entry decides
    for index, entry in enumerate(resources):
        if entry == "":
            causes.append(required(where.index(index)))
            continue
        if "/" not in entry:
            plain = entry != "*"
            continue
        resource, subresource = entry.split("/", 1)
        if resource in wildcard_subresources:
            detail = f"if '{resource}/*' is present, must not specify {entry}"
            causes.append(invalid(where.index(index), entry, detail))
        if subresource in wildcard_resources:
            detail = f"if '*/{subresource}' is present, must not specify {entry}"
            causes.append(invalid(where.index(index), entry, detail))
        if subresource == "*":
            wildcard_subresources.add(resource)
        if resource == "*":
            wildcard_resources.add(subresource)
    if len(resources) > 1 and "*/*" in resources:
        detail = "if '*/*' is present, must not specify other resources"
        causes.append(invalid(where, resources, detail))
    if "*" in resources and plain:
        detail = "if '*' is present, must not specify other resources without subresources"
        causes.append(invalid(where, resources, detail))
    return causes
