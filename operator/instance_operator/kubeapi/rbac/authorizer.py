"""RBAC authorization over the Roles, ClusterRoles and bindings in the store.

Ported from Kubernetes' ``plugin/pkg/auth/authorizer/rbac/rbac.go`` and the rule resolver of
``pkg/registry/rbac/validation/rule.go``: the rules of every ClusterRoleBinding whose subjects
name the user, then, for a namespaced request, of every RoleBinding in that namespace. A binding
whose role does not exist grants nothing and is named in the 403's ``RBAC:`` reason. Members of
``system:masters`` are allowed everything before RBAC is asked, as the API server does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.rbac.requestinfo import Attributes, User
from instance_operator.kubeapi.rbac.rules import PolicyRule, allows, go_quote, rules_of
from instance_operator.kubeapi.resources import BUILTINS, ResourceType
from instance_operator.kubeapi.store import Store

GROUP = "rbac.authorization.k8s.io"
MASTERS = "system:masters"
_SA_PREFIX = "system:serviceaccount:"


def _rbac_type(plural: str) -> ResourceType:
    (rtype,) = (r for r in BUILTINS if r.group == GROUP and r.plural == plural)
    return rtype


ROLES = _rbac_type("roles")
ROLE_BINDINGS = _rbac_type("rolebindings")
CLUSTER_ROLES = _rbac_type("clusterroles")
CLUSTER_ROLE_BINDINGS = _rbac_type("clusterrolebindings")


class RoleLookupError(Exception):
    """A binding's roleRef names a role that cannot be found."""


class Authorizer:
    """Reads the RBAC objects from the store on every request (they change under a running test).

    ``singular_errors`` words a missing role as the authorizer's informer does
    (``clusterrole.rbac.authorization.k8s.io "x" not found``); the registry's escalation check
    words it with the plural, as its storage does.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the rule resolver ---------------------------------------------------------------------

    def visit(
        self, user: User, namespace: str, *, singular_errors: bool = True
    ) -> Iterator[PolicyRule | RoleLookupError]:
        """Each rule that applies to ``user`` in ``namespace`` (``""``: cluster-wide only)."""
        bindings = self._objects(CLUSTER_ROLE_BINDINGS, None)
        for binding in bindings:
            if _applies_to(user, binding.get("subjects") or (), ""):
                yield from self._role_rules(binding.get("roleRef") or {}, "", singular_errors)
        if not namespace:
            return
        for binding in self._objects(ROLE_BINDINGS, namespace):
            if _applies_to(user, binding.get("subjects") or (), namespace):
                yield from self._role_rules(
                    binding.get("roleRef") or {}, namespace, singular_errors
                )

    def rules_for(self, user: User, namespace: str) -> tuple[list[PolicyRule], list[str]]:
        """Every rule of ``user`` in ``namespace``, and the lookups that failed on the way."""
        rules: list[PolicyRule] = []
        failures: list[str] = []
        for item in self.visit(user, namespace, singular_errors=False):
            if isinstance(item, RoleLookupError):
                failures.append(str(item))
            else:
                rules.append(item)
        return rules, failures

    def role_ref_rules(self, role_ref: Mapping[str, Any], namespace: str) -> list[PolicyRule]:
        """The rules a binding's roleRef grants; :class:`RoleLookupError` if it names nothing."""
        found: list[PolicyRule] = []
        for item in self._role_rules(role_ref, namespace, singular=False):
            if isinstance(item, RoleLookupError):
                raise item
            found.append(item)
        return found

    def _role_rules(
        self, role_ref: Mapping[str, Any], namespace: str, singular: bool
    ) -> Iterator[PolicyRule | RoleLookupError]:
        kind, name = role_ref.get("kind"), str(role_ref.get("name") or "")
        if kind == "ClusterRole":
            rtype, where = CLUSTER_ROLES, None
        elif kind == "Role":
            rtype, where = ROLES, namespace
        else:
            yield RoleLookupError(f"unsupported role reference kind: {go_quote(str(kind))}")
            return
        stored = self.store.lookup(rtype, where, name)
        if stored is None:
            resource = rtype.kind.lower() if singular else rtype.plural
            yield RoleLookupError(f"{resource}.{GROUP} {go_quote(name)} not found")
            return
        yield from rules_of(stored.body)

    def _objects(self, rtype: ResourceType, namespace: str | None) -> list[dict[str, Any]]:
        coll = self.store.collection(rtype)
        return [coll.items[key].body for key in coll.keys(namespace)]

    # -- decisions -----------------------------------------------------------------------------

    def allowed(self, request: Attributes) -> tuple[bool, str]:
        """The decision, and the reason a denial gives (``RBAC: ...`` lookup failures, or ``""``)."""
        if MASTERS in request.user.groups:
            return True, ""
        failures: list[str] = []
        for item in self.visit(request.user, request.namespace):
            if isinstance(item, RoleLookupError):
                failures.append(str(item))
            elif allows(item, request):
                return True, ""
        if not failures:
            return False, ""
        joined = failures[0] if len(failures) == 1 else "[" + ", ".join(failures) + "]"
        return False, f"RBAC: {joined}"


def _applies_to(user: User, subjects: Any, namespace: str) -> bool:
    return any(_subject_matches(user, subject, namespace) for subject in subjects)


def _subject_matches(user: User, subject: Mapping[str, Any], namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return bool(user.name == name)
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        # A ServiceAccount subject without a namespace means the binding's own namespace.
        sa_namespace = subject.get("namespace") or namespace
        return bool(sa_namespace) and user.name == f"{_SA_PREFIX}{sa_namespace}:{name}"
    return False


def forbidden(request: Attributes, reason: str) -> errors.StatusError:
    """The 403 of the authorization filter: who cannot do what, where; ``: reason`` if any."""
    who = go_quote(request.user.name)
    if not request.resource_request:
        message = f"User {who} cannot {request.verb} path {go_quote(request.path)}"
    else:
        resource = request.resource
        if request.subresource:
            resource = f"{resource}/{request.subresource}"
        message = (
            f"User {who} cannot {request.verb} resource {go_quote(resource)} "
            f"in API group {go_quote(request.api_group)}"
        )
        if request.namespace:
            message += f" in the namespace {go_quote(request.namespace)}"
        else:
            message += " at the cluster scope"
    if reason:
        message = f"{message}: {reason}"
    group_resource = (
        errors.qualified(request.resource, request.api_group) if request.resource_request else ""
    )
    return forbidden_error(
        group_resource, request.api_group, request.resource, request.name, message
    )


def forbidden_error(
    group_resource: str, group: str, resource: str, name: str, why: str
) -> errors.StatusError:
    """``apierrors.NewForbidden``: ``<resource> "<name>" is forbidden: why``, details always set."""
    if not group_resource:
        message = f"forbidden: {why}"
    elif not name:
        message = f"{group_resource} is forbidden: {why}"
    else:
        message = f"{group_resource} {go_quote(name)} is forbidden: {why}"
    details = {
        key: value for key, value in (("name", name), ("group", group), ("kind", resource)) if value
    }
    return Forbidden(message, details)


class Forbidden(errors.StatusError):
    """403 whose body carries ``details`` even when empty, as the API server's does."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(403, "Forbidden", message, details)

    def body(self) -> dict[str, Any]:
        return {**super().body(), "details": dict(self.details)}
