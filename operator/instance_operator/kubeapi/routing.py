"""Resource URLs to (resource type, namespace, name, subresource) and HTTP methods to verbs."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.resources import Catalog, ResourceType


@dataclasses.dataclass(frozen=True)
class Target:
    rtype: ResourceType
    namespace: str | None
    name: str | None
    subresource: str  # "" for the main endpoint


def parse(path: str, catalog: Catalog) -> Target:
    """``/api/v1/...`` or ``/apis/GROUP/VERSION/...``, optionally ``namespaces/NS/`` first."""
    parts = [urllib.parse.unquote(part) for part in path.strip("/").split("/")]
    if len(parts) >= 3 and parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise errors.no_such_path()
    namespace = None
    # ``namespaces/NAME/status`` is the namespace's own subresource, not a resource called "status".
    inner = (
        catalog.lookup(group, version, rest[2])
        if len(rest) >= 3 and rest[0] == "namespaces"
        else None
    )
    if inner is not None and inner.namespaced:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3 or not all(rest):
        raise errors.no_such_path()
    rtype = catalog.lookup(group, version, rest[0])
    if rtype is None:
        raise errors.no_such_path()
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else ""
    if subresource and not (subresource == "status" and rtype.status_subresource):
        raise errors.no_such_path()
    if rtype.namespaced and namespace is None and name is not None:
        raise errors.no_such_path()
    return Target(rtype, namespace, name, subresource)


def verb(method: str, target: Target, query: Mapping[str, str]) -> str:
    """The RBAC verb of a request, as counters and faults name it."""
    named = target.name is not None
    if method == "GET":
        if named:
            return "get"
        return "watch" if query.get("watch") in ("true", "1") else "list"
    if method == "POST" and not named and not target.subresource:
        if target.rtype.namespaced and target.namespace is None:
            raise errors.method_not_allowed("create needs a namespace for a namespaced resource")
        return "create"
    if named and (method in ("PUT", "PATCH") or (method == "DELETE" and not target.subresource)):
        return {"PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]
    raise errors.method_not_allowed(
        f"the server does not allow this method on the requested resource: {method}"
    )
