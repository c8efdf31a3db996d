"""Admission by the stored policies: every (policy, binding) pair whose rules select a request.

As the API server's dispatcher does it: a binding pairs with the policy its ``policyName``
names (a binding without its policy does nothing); each validation runs with ``object``,
``oldObject``, ``request`` and ``namespaceObject`` bound; a false one is a denial with the
validation's ``reason`` (``Invalid`` if none) and its message (``messageExpression``'s result,
else ``message``, else ``failed expression: <expression>``); an evaluation error is a denial
without reason under ``failurePolicy: Fail`` and nothing under ``Ignore``. The binding's
``validationActions`` decide what a denial does: ``Deny`` refuses the request (the first denial
is the answer), ``Warn`` adds a warning, ``Audit`` would annotate the audit event, which is not
emulated. Policies are visited by name, so the answer is stable (the API server's map order is not).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Protocol

from celpy.adapter import json_to_cel

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.collection import Collection, Stored
from instance_operator.kubeapi.policies import expressions, matching
from instance_operator.kubeapi.policies.matching import Request
from instance_operator.kubeapi.resources import (
    BINDINGS,
    NAMESPACES,
    POLICIES,
    Catalog,
    ResourceType,
)

#: ``MaxEvaluatedMessageExpressionSizeBytes``.
_MAX_MESSAGE_BYTES = 5 * 1024
_CODES = {"Forbidden": 403, "Unauthorized": 401, "RequestEntityTooLarge": 413}


class Store(Protocol):
    catalog: Catalog

    def collection(self, rtype: ResourceType) -> Collection: ...

    def lookup(self, rtype: ResourceType, namespace: str | None, name: str) -> Stored | None: ...


@dataclasses.dataclass(frozen=True)
class _Denial:
    message: str
    #: Empty for an evaluation error.
    reason: str


def admit(store: Store, request: Request) -> list[str]:
    """The warnings for the request; raises the refusal if a ``Deny`` binding denies it."""
    if request.rtype.key in matching.EXEMPT:
        return []
    policies = {
        stored.body["metadata"]["name"]: stored.body
        for stored in store.collection(POLICIES).items.values()
    }
    bindings = sorted(
        (stored.body for stored in store.collection(BINDINGS).items.values()),
        key=lambda body: str(body["metadata"]["name"]),
    )
    refusal: errors.StatusError | None = None
    warnings: list[str] = []
    for name in sorted(policies):
        spec = policies[name].get("spec") or {}
        version = matching.matched_version(
            spec.get("matchConstraints") or {},
            request,
            lambda g, v, p: store.catalog.lookup(g, v, p) is not None,
        )
        paired = [b for b in bindings if (b.get("spec") or {}).get("policyName") == name]
        if version is None or not paired:
            continue
        denials = _validate(spec, _activation(store, request, version))
        for binding in paired:
            binding_name = binding["metadata"]["name"]
            actions = (binding.get("spec") or {}).get("validationActions") or []
            for denial in denials:
                if "Deny" in actions and refusal is None:
                    refusal = _refusal(request, name, binding_name, denial)
                if "Warn" in actions:
                    warnings.append(
                        f"Validation failed for ValidatingAdmissionPolicy '{name}' with binding"
                        f" '{binding_name}': {denial.message}"
                    )
    if refusal is not None:
        raise refusal
    return warnings


def _validate(spec: dict[str, Any], activation: dict[str, Any]) -> list[_Denial]:
    ignore_errors = spec.get("failurePolicy") == "Ignore"
    denials = []
    for validation in spec.get("validations") or []:
        expression = validation["expression"]
        value, error = expressions.evaluate(expression, activation)
        if error is not None:
            if not ignore_errors:
                denials.append(_Denial(f"expression '{expression}' resulted in error: {error}", ""))
        elif not expressions.is_true(value):
            message = _message(validation, activation)
            denials.append(_Denial(message, validation.get("reason") or "Invalid"))
    return denials


def _message(validation: dict[str, Any], activation: dict[str, Any]) -> str:
    source = validation.get("messageExpression") or ""
    if source.strip():
        value, error = expressions.evaluate(source, activation)
        if error is None and isinstance(value, str):
            text = value.strip()
            if text and len(text.encode()) <= _MAX_MESSAGE_BYTES and "\n" not in text:
                return text
    message = str(validation.get("message") or "").strip()
    return message or f"failed expression: {str(validation['expression']).strip()}"


def _refusal(request: Request, policy: str, binding: str, denial: _Denial) -> errors.StatusError:
    """``admission.NewForbidden`` with the denial's reason and code, and the text as a cause."""
    rtype = request.rtype
    text = f"ValidatingAdmissionPolicy '{policy}' with binding '{binding}' denied request: {denial.message}"
    name = request.name or "Unknown"
    reason = denial.reason or "Invalid"
    message = f'{errors.qualified(rtype.plural, rtype.group)} "{name}" is forbidden: {text}'
    details = {
        "name": name,
        "group": rtype.group,
        "kind": rtype.plural,
        "causes": [{"message": text}],
    }
    return errors.StatusError(_CODES.get(reason, 422), reason, message, details)


def _activation(store: Store, request: Request, version: str) -> dict[str, Any]:
    rtype = request.rtype
    namespace = None
    if request.namespace and rtype.key != NAMESPACES.key:
        found = store.lookup(NAMESPACES, None, request.namespace)
        namespace = found.body if found is not None else None
    return {
        "object": _cel(request.new),
        "oldObject": _cel(request.old),
        "request": _cel(_admission_request(request, version)),
        "namespaceObject": _cel(namespace),
        "authorizer": None,
    }


def _admission_request(request: Request, version: str) -> dict[str, Any]:
    """``cel.CreateAdmissionRequest``: ``kind``/``resource`` in the matched version,
    ``requestKind``/``requestResource`` in the request's own."""
    rtype = request.rtype
    options = {"apiVersion": "meta.k8s.io/v1", "kind": f"{request.operation.title()}Options"}
    return {
        "kind": {"group": rtype.group, "version": version, "kind": rtype.kind},
        "resource": {"group": rtype.group, "version": version, "resource": rtype.plural},
        "subResource": request.subresource,
        "requestKind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
        "requestResource": {
            "group": rtype.group,
            "version": rtype.version,
            "resource": rtype.plural,
        },
        "requestSubResource": request.subresource,
        "name": request.name,
        "namespace": request.namespace,
        "operation": request.operation,
        "userInfo": {
            "username": request.requester.username,
            "uid": "",
            "groups": list(request.requester.groups),
            "extra": {},
        },
        "dryRun": request.dry_run,
        "options": {**options, **(request.options or {})},
    }


def _cel(value: dict[str, Any] | None) -> Any:
    # A round trip through JSON gives cel-python plain values only.
    return None if value is None else json_to_cel(json.loads(json.dumps(value)))
