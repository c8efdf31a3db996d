"""ValidatingAdmissionPolicy and its Binding on write: the API server's defaults, then its checks.

Defaults (admissionregistration/v1): ``failurePolicy: Fail``; in ``matchConstraints`` (and a
binding's ``matchResources``, when set) ``matchPolicy: Equivalent``, empty ``namespaceSelector``
and ``objectSelector``, and ``scope: "*"`` on each rule. Checks, with the API server's field
paths and words: ``failurePolicy``, ``matchConstraints`` and its rules, ``validations`` (each
expression compiled, ``message``, ``messageExpression``, ``reason``); a binding's ``policyName``
and ``validationActions``. Whatever the embedded API does not evaluate (``paramKind``/``paramRef``,
``matchConditions``, ``variables``, ``auditAnnotations``, ``excludeResourceRules``,
``resourceNames``, non-empty selectors, a binding's ``matchResources``, and rules selecting
operations other than DELETE, which is all it evaluates) is refused with a
``Forbidden`` cause saying so, rather than stored and then ignored.
"""

from __future__ import annotations

import re
from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.crd_validation.fields import (
    Cause,
    Path,
    forbidden,
    go_quote,
    invalid,
    not_supported,
    required,
)
from instance_operator.kubeapi.policies import expressions
from instance_operator.kubeapi.policies.rules import OPERATIONS, rule_causes, typed_slice

GROUP = "admissionregistration.k8s.io"
POLICY = "ValidatingAdmissionPolicy"
BINDING = "ValidatingAdmissionPolicyBinding"
FAILURE_POLICIES = ("Fail", "Ignore")
MATCH_POLICIES = ("Equivalent", "Exact")
REASONS = ("Forbidden", "Invalid", "RequestEntityTooLarge")
ACTIONS = ("Audit", "Deny", "Warn")
UNMODELLED = (
    "not modelled by the embedded Kubernetes API (instance_operator.kubeapi): it would be"
    " stored and then ignored, so it is refused; test this against a real cluster"
)
UNMODELLED_OPERATION = (
    "the embedded Kubernetes API (instance_operator.kubeapi) evaluates policies on DELETE only,"
    " so a rule selecting other operations is refused; test this against a real cluster"
)
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NEWLINES = re.compile(r"[\n\r]+")


def default_policy(body: dict[str, Any]) -> None:
    spec = _section(body, "spec", POLICY)
    if spec.get("failurePolicy") is None:
        spec["failurePolicy"] = "Fail"
    if spec.get("matchConstraints") is not None:
        _default_match(_section(spec, "matchConstraints", POLICY))


def default_binding(body: dict[str, Any]) -> None:
    spec = _section(body, "spec", BINDING)
    if spec.get("matchResources") is not None:
        _default_match(_section(spec, "matchResources", BINDING))


def _default_match(match: dict[str, Any]) -> None:
    for field, value in (
        ("matchPolicy", "Equivalent"),
        ("namespaceSelector", {}),
        ("objectSelector", {}),
    ):
        if match.get(field) is None:
            match[field] = value
    for field in ("resourceRules", "excludeResourceRules"):
        for rule in _list(match, field, POLICY, dict):
            if rule.get("scope") is None:
                rule["scope"] = "*"


def check_policy(body: dict[str, Any]) -> None:
    spec = body["spec"]
    where = Path("spec")
    causes: list[Cause] = []
    failure = spec.get("failurePolicy")
    if failure not in FAILURE_POLICIES:
        causes.append(
            not_supported(where.child("failurePolicy"), str(failure), [*FAILURE_POLICIES])
        )
    if spec.get("paramKind") is not None:
        causes.append(forbidden(where.child("paramKind"), UNMODELLED))
    match = spec.get("matchConstraints")
    if match is None:
        causes.append(required(where.child("matchConstraints")))
    else:
        causes += _match_causes(match, where.child("matchConstraints"))
        if not match.get("resourceRules"):
            causes.append(required(where.child("matchConstraints", "resourceRules")))
    for field in ("matchConditions", "variables"):
        if spec.get(field):
            causes.append(forbidden(where.child(field), UNMODELLED))
    validations = _list(spec, "validations", POLICY, dict)
    if not validations and not spec.get("auditAnnotations"):
        detail = "validations or auditAnnotations must contain at least one item"
        causes.append(required(where.child("validations"), detail))
        causes.append(required(where.child("auditAnnotations"), detail))
    for index, validation in enumerate(validations):
        causes += _validation_causes(validation, where.child("validations").index(index))
    if spec.get("auditAnnotations"):
        causes.append(forbidden(where.child("auditAnnotations"), UNMODELLED))
    if causes:
        raise errors.invalid(POLICY, GROUP, body["metadata"].get("name", ""), causes)


def _match_causes(match: dict[str, Any], where: Path) -> list[Cause]:
    causes: list[Cause] = []
    policy = match.get("matchPolicy")
    if policy not in MATCH_POLICIES:
        causes.append(not_supported(where.child("matchPolicy"), str(policy), [*MATCH_POLICIES]))
    for field in ("namespaceSelector", "objectSelector"):
        selector = _section(match, field, POLICY)
        if selector.get("matchLabels") or selector.get("matchExpressions"):
            causes.append(forbidden(where.child(field), UNMODELLED))
    for index, rule in enumerate(_list(match, "resourceRules", POLICY, dict)):
        at = where.child("resourceRules").index(index)
        if rule.get("resourceNames"):
            causes.append(forbidden(at.child("resourceNames"), UNMODELLED))
        for field in ("operations", "apiGroups", "apiVersions", "resources"):
            _list(rule, field, POLICY, str)
        causes += rule_causes(rule, at)
        for number, operation in enumerate(rule.get("operations") or []):
            if operation in OPERATIONS and operation != "DELETE":
                where_op = at.child("operations").index(number)
                causes.append(forbidden(where_op, f"{operation}: {UNMODELLED_OPERATION}"))
    if match.get("excludeResourceRules"):
        causes.append(forbidden(where.child("excludeResourceRules"), UNMODELLED))
    return causes


def _validation_causes(validation: dict[str, Any], where: Path) -> list[Cause]:
    causes: list[Cause] = []
    for field in ("expression", "message", "messageExpression", "reason"):
        _string(validation, field, POLICY)
    expression = validation.get("expression") or ""
    if not expression.strip():
        causes.append(required(where.child("expression"), "expression is not specified"))
    else:
        detail = expressions.check(expression, "bool")
        if detail is not None:
            causes.append(invalid(where.child("expression"), expression, detail))
    message_expression = validation.get("messageExpression") or ""
    if message_expression and not message_expression.strip():
        detail = "must be non-empty if specified"
        causes.append(invalid(where.child("messageExpression"), message_expression, detail))
    elif message_expression.strip():
        detail = expressions.check(message_expression, "string", authorizer=False)
        if detail is not None:
            causes.append(invalid(where.child("messageExpression"), message_expression, detail))
    message = validation.get("message") or ""
    if message and not message.strip():
        detail = "message must be non-empty if specified"
        causes.append(invalid(where.child("message"), message, detail))
    elif _NEWLINES.search(message.strip()):
        detail = "message must not contain line breaks"
        causes.append(invalid(where.child("message"), message, detail))
    reason = validation.get("reason")
    if reason is not None and reason not in REASONS:
        causes.append(not_supported(where.child("reason"), reason, [*REASONS]))
    return causes


def check_binding(body: dict[str, Any]) -> None:
    spec = body["spec"]
    where = Path("spec")
    causes: list[Cause] = []
    name = _string(spec, "policyName", BINDING)
    if not name:
        causes.append(required(where.child("policyName")))
    elif len(name) > 253:
        causes.append(
            invalid(where.child("policyName"), name, "must be no more than 253 characters")
        )
    elif not _SUBDOMAIN.match(name):
        detail = (
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters,"
            " '-' or '.', and must start and end with an alphanumeric character (e.g."
            " 'example.com', regex used for validation is"
            " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
        causes.append(invalid(where.child("policyName"), name, detail))
    for field in ("paramRef", "matchResources"):
        if spec.get(field) is not None:
            causes.append(forbidden(where.child(field), UNMODELLED))
    actions = _list(spec, "validationActions", BINDING, str)
    seen: set[str] = set()
    for index, action in enumerate(actions):
        at = where.child("validationActions").index(index)
        if action not in ACTIONS:
            causes.append(not_supported(at, action, [*ACTIONS]))
        if action in seen:
            causes.append(
                {
                    "reason": "FieldValueDuplicate",
                    "message": f"Duplicate value: {go_quote(action)}",
                    "field": str(at),
                }
            )
        seen.add(action)
    if {"Deny", "Warn"} <= seen:
        detail = (
            "must not contain both Deny and Warn (repeating the same validation failure"
            " information in the API response and headers serves no purpose)"
        )
        shown = typed_slice("admissionregistration.ValidationAction", actions)
        causes.append(invalid(where.child("validationActions"), None, detail, rendered=shown))
    if not seen:
        detail = "at least one validation action is required"
        causes.append(required(where.child("validationActions"), detail))
    if causes:
        raise errors.invalid(BINDING, GROUP, body["metadata"].get("name", ""), causes)


# -- decoding: a field of the wrong JSON type fails before validation, as a 400 ------------------


def _undecodable(kind: str, what: str) -> errors.StatusError:
    return errors.bad_request(f'{kind} in version "v1" cannot be handled as a {kind}: {what}')


def _section(parent: dict[str, Any], field: str, kind: str) -> dict[str, Any]:
    value = parent.setdefault(field, {})
    if value is None:
        value = parent[field] = {}
    if not isinstance(value, dict):
        raise _undecodable(kind, f"{field} must be an object")
    return value


def _list(parent: dict[str, Any], field: str, kind: str, item: type) -> list[Any]:
    value = parent.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, item) for entry in value):
        what = "objects" if item is dict else "strings"
        raise _undecodable(kind, f"{field} must be a list of {what}")
    return value


def _string(parent: dict[str, Any], field: str, kind: str) -> str:
    value = parent.get(field)
    if value is not None and not isinstance(value, str):
        raise _undecodable(kind, f"{field} must be a string")
    return value or ""
