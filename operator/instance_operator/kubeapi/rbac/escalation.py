"""RBAC's escalation prevention: nobody grants, through a role or a binding, more than they hold.

Ported from Kubernetes' ``pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/
policybased/storage.go`` and ``pkg/registry/rbac/validation/rule.go`` (``ConfirmNoEscalation``).
A write of a Role or ClusterRole passes if the writer may ``escalate`` that role (members of
``system:masters`` may do anything) or already holds every rule in it (in the role's namespace;
cluster-wide for a ClusterRole). A write of a binding passes if the writer may ``bind`` the role
it references or already holds every rule of that role (in the binding's namespace).

A real server skips the check for an update that changes only finalizers, ownerReferences or the
deletion fields; but a client's patch also changes ``managedFields`` there, so in practice every
update or patch that changes something is checked, and so is every one here: an operator that
adds a finalizer to its own RoleBinding must hold every permission of the role the binding names.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi.rbac.authorizer import (
    CLUSTER_ROLE_BINDINGS,
    CLUSTER_ROLES,
    GROUP,
    ROLE_BINDINGS,
    ROLES,
    Authorizer,
    RoleLookupError,
    forbidden_error,
)
from instance_operator.kubeapi.rbac.requestinfo import Attributes
from instance_operator.kubeapi.rbac.rules import (
    PolicyRule,
    compact,
    covers,
    go_quote,
    go_quote_list,
    rules_of,
)

_ROLE_TYPES = {ROLES.plural: ROLES, CLUSTER_ROLES.plural: CLUSTER_ROLES}
_BINDING_TYPES = {
    ROLE_BINDINGS.plural: ROLE_BINDINGS,
    CLUSTER_ROLE_BINDINGS.plural: CLUSTER_ROLE_BINDINGS,
}
GUARDED = frozenset(_ROLE_TYPES) | frozenset(_BINDING_TYPES)


def applies(request: Attributes) -> bool:
    """A create, update or patch of a role or binding itself (not a subresource)."""
    return (
        request.resource_request
        and request.api_group == GROUP
        and request.resource in GUARDED
        and not request.subresource
        and request.verb in ("create", "update", "patch")
    )


def confirm(authorizer: Authorizer, request: Attributes, obj: dict[str, Any]) -> None:
    """Raise the registry's 403 if writing ``obj`` (the object as it would be stored) escalates."""
    user = request.user
    name = request.name or str((obj.get("metadata") or {}).get("name") or "")
    if request.resource in _ROLE_TYPES:
        escalate = Attributes(
            user=user,
            verb="escalate",
            path=request.path,
            resource_request=True,
            api_group=GROUP,
            api_version="*",
            namespace=request.namespace,
            resource=request.resource,
            name=request.name,
        )
        if authorizer.allowed(escalate)[0]:
            return
        wanted = rules_of(obj)
    else:
        role_ref = obj.get("roleRef") or {}
        if _bind_allowed(authorizer, request, role_ref):
            return
        try:
            wanted = authorizer.role_ref_rules(role_ref, request.namespace)
        except RoleLookupError as error:
            raise _refusal(request, name, str(error)) from error
    held, failures = authorizer.rules_for(user, request.namespace)
    missing = covers(held, wanted)
    if missing:
        raise _refusal(request, name, _not_held(request, missing, failures))


def _bind_allowed(authorizer: Authorizer, request: Attributes, role_ref: dict[str, Any]) -> bool:
    resource = {"ClusterRole": CLUSTER_ROLES.plural, "Role": ROLES.plural}.get(
        str(role_ref.get("kind"))
    )
    if resource is None:
        return False
    bind = Attributes(
        user=request.user,
        verb="bind",
        path=request.path,
        resource_request=True,
        api_group=str(role_ref.get("apiGroup") or ""),
        namespace=request.namespace,
        resource=resource,
        name=str(role_ref.get("name") or ""),
    )
    return authorizer.allowed(bind)[0]


def _not_held(request: Attributes, missing: list[PolicyRule], failures: list[str]) -> str:
    user = request.user
    lines = sorted({rule.compact_string() for rule in compact(missing)})
    message = (
        f"user {go_quote(user.name)} (groups={go_quote_list(user.groups)}) is attempting to grant "
        "RBAC permissions not currently held:\n" + "\n".join(lines)
    )
    if failures:
        aggregate = failures[0] if len(failures) == 1 else "[" + ", ".join(failures) + "]"
        message += f"; resolution errors: [{aggregate}]"
    return message


def _refusal(request: Attributes, name: str, why: str) -> Exception:
    return forbidden_error(f"{request.resource}.{GROUP}", GROUP, request.resource, name, why)
