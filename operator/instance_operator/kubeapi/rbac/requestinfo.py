"""What a request asks to do, in RBAC's terms: the port of the API server's ``requestinfo.go``.

The verb comes from the method (``GET`` without a name is ``list``, or ``watch`` with
``watch=true`` or under ``/watch/``; ``DELETE`` without a name is ``deletecollection``); a path
outside ``/api/VERSION/...`` and ``/apis/GROUP/VERSION/...`` is a non-resource request whose verb
is the lower-cased method. A list or watch with ``fieldSelector=metadata.name=X`` is authorized
as a request for the object named X, so ``resourceNames`` rules can grant it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

#: Verbs given by a path prefix instead of the method.
_SPECIAL_VERBS = frozenset({"proxy", "watch"})
#: After ``namespaces/NAME``, these are the namespace's own subresources, not resources in it.
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
#: ``watch`` values that mean no (any other value, even an empty one, means yes).
_FALSE = frozenset({"0", "false"})


@dataclasses.dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Attributes:
    """``authorizer.Attributes``: the user and what the request does."""

    user: User
    verb: str
    path: str
    resource_request: bool = False
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""


def parse(user: User, method: str, path: str, query: Mapping[str, str]) -> Attributes:
    """The attributes of ``method path?query``, as the API server's authorization filter sees them."""
    non_resource = Attributes(user=user, verb=method.lower(), path=path)
    parts = path.strip("/").split("/") if path.strip("/") else []
    if len(parts) < 3 or parts[0] not in ("api", "apis"):
        return non_resource
    prefix, rest = parts[0], parts[1:]
    group = ""
    if prefix == "apis":
        if len(rest) < 3:
            return non_resource
        group, rest = rest[0], rest[1:]
    version, rest = rest[0], rest[1:]

    via_path = rest[0] in _SPECIAL_VERBS
    if via_path:
        if len(rest) < 2:
            return non_resource  # the API server answers 404 for /api/v1/watch alone
        verb, rest = rest[0], rest[1:]
    else:
        verb = {
            "POST": "create",
            "GET": "get",
            "HEAD": "get",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete",
        }.get(method.upper(), "")

    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]

    resource = rest[0]
    name = rest[1] if len(rest) >= 2 else ""
    subresource = rest[2] if len(rest) >= 3 and verb != "proxy" else ""

    if not name and verb == "get":
        watch = query.get("watch")
        verb = "watch" if watch is not None and watch.lower() not in _FALSE else "list"
        exact = _exact_name(query.get("fieldSelector", ""))
        if exact is not None and _valid_path_segment(exact):
            name = exact
    if not name and verb == "delete":
        verb = "deletecollection"
    return Attributes(
        user=user,
        verb=verb,
        path=path,
        resource_request=True,
        api_group=group,
        api_version=version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
    )


def _exact_name(selector: str) -> str | None:
    """The X of a ``metadata.name=X`` (or ``==X``) term, as ``RequiresExactMatch`` finds it."""
    for raw in selector.split(","):
        term = raw.strip()
        if "!=" in term:
            continue
        field, sep, value = term.partition("==") if "==" in term else term.partition("=")
        if sep and field.strip() == "metadata.name":
            return value.strip()
    return None


def _valid_path_segment(name: str) -> bool:
    return name not in (".", "..") and "/" not in name and "%" not in name
