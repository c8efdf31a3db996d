"""Which requests a policy's ``matchConstraints`` select, as the webhook rule matcher decides.

A rule matches when its scope, operation, API group, version and resource all do (``*``
matching anything; ``instances/*`` also matches ``instances`` itself, as the matcher splits it).
With ``matchPolicy: Equivalent`` a rule naming another served version of the same group and
resource matches too, and the policy then sees the request in that version. Selectors and
``excludeResourceRules`` are refused on write, so they need no matching here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from instance_operator.kubeapi.resources import NAMESPACES, ResourceType

#: Requests on these are never subject to admission policies, so a policy cannot lock itself in.
EXEMPT = frozenset(
    ("admissionregistration.k8s.io", plural)
    for plural in (
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicybindings",
    )
)


@dataclasses.dataclass(frozen=True)
class Requester:
    """Who sends the request, as ``request.userInfo`` shows it."""

    username: str
    groups: tuple[str, ...] = ()


#: Requests of an API server without authentication: anonymous, as kube-apiserver names them.
ANONYMOUS = Requester("system:anonymous", ("system:unauthenticated",))
#: kube-controller-manager's namespace controller, which empties deleted namespaces.
NAMESPACE_CONTROLLER = Requester(
    "system:serviceaccount:kube-system:namespace-controller",
    ("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"),
)


@dataclasses.dataclass(frozen=True)
class Request:
    """One admission request: what is done to which object, by whom."""

    operation: str
    rtype: ResourceType
    #: The name in the URL: empty for a collection's deletion.
    name: str
    namespace: str
    requester: Requester
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    subresource: str = ""
    dry_run: bool = False
    options: dict[str, Any] | None = None


#: Whether (group, version, plural) is served.
Served = Callable[[str, str, str], bool]


def matched_version(match: dict[str, Any], request: Request, served: Served) -> str | None:
    """The version the policy sees the request in, or ``None`` if its rules do not select it."""
    rules: list[dict[str, Any]] = match.get("resourceRules") or []
    version = request.rtype.version
    if any(_matches(rule, request) and _version_listed(rule, version) for rule in rules):
        return version
    if match.get("matchPolicy", "Equivalent") != "Equivalent":
        return None
    group, plural = request.rtype.group, request.rtype.plural
    for rule in rules:
        if not _matches(rule, request):
            continue
        for other in rule.get("apiVersions") or []:
            if other != version and served(group, other, plural):
                return str(other)
    return None


def _version_listed(rule: dict[str, Any], version: str) -> bool:
    versions = rule.get("apiVersions") or []
    return "*" in versions or version in versions


def _matches(rule: dict[str, Any], request: Request) -> bool:
    """All but the version: scope, operation, group, resource and subresource."""
    operations = rule.get("operations") or []
    groups = rule.get("apiGroups") or []
    return (
        _scope(rule.get("scope") or "*", request)
        and ("*" in operations or request.operation in operations)
        and ("*" in groups or request.rtype.group in groups)
        and any(_resource(entry, request) for entry in rule.get("resources") or [])
    )


def _resource(entry: str, request: Request) -> bool:
    resource, _, subresource = entry.partition("/")
    return resource in ("*", request.rtype.plural) and subresource in ("*", request.subresource)


def _scope(scope: str, request: Request) -> bool:
    namespace_object = request.rtype.key == NAMESPACES.key
    if scope == "Namespaced":
        return not namespace_object and bool(request.namespace)
    if scope == "Cluster":
        return namespace_object or not request.namespace
    return True
