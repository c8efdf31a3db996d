"""Every authorization decision, so a test can tell which grants a workload actually needed.

Each distinct (user, verb, group, resource, subresource, namespace, name) or (user, verb, path) is
kept once with a count and whether it was allowed. ``GET /_kubeapi/audit`` returns
``{"decisions": [...]}``; ``DELETE`` forgets them.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

import requests

from instance_operator.kubeapi.control import PREFIX
from instance_operator.kubeapi.rbac.requestinfo import Attributes, User


class Audit:
    def __init__(self) -> None:
        self._counts: collections.Counter[tuple[Any, ...]] = collections.Counter()

    def record(self, request: Attributes, allowed: bool) -> None:
        key = (
            request.user.name,
            request.verb,
            request.resource_request,
            request.api_group,
            request.resource,
            request.subresource,
            request.namespace,
            request.name,
            "" if request.resource_request else request.path,
            allowed,
        )
        self._counts[key] += 1

    def decisions(self) -> list[dict[str, Any]]:
        fields = (
            "user",
            "verb",
            "resourceRequest",
            "apiGroup",
            "resource",
            "subresource",
            "namespace",
            "name",
            "path",
            "allowed",
        )
        return [
            {**dict(zip(fields, key, strict=True)), "count": n} for key, n in self._counts.items()
        ]

    def reset(self) -> None:
        self._counts.clear()


@dataclasses.dataclass(frozen=True)
class Decision:
    """One audited request, as ``GET /_kubeapi/audit`` returns it."""

    user: str
    verb: str
    resource_request: bool
    api_group: str
    resource: str
    subresource: str
    namespace: str
    name: str
    path: str
    allowed: bool
    count: int

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "DENIED"
        if not self.resource_request:
            return f"{verdict}: {self.user} {self.verb} {self.path} ({self.count}x)"
        resource = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        target = f"{resource}.{self.api_group}" if self.api_group else resource
        if self.name:
            target += f" {self.name}"
        where = f" in {self.namespace}" if self.namespace else ""
        return f"{verdict}: {self.user} {self.verb} {target}{where} ({self.count}x)"

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Decision:
        return cls(
            user=row["user"],
            verb=row["verb"],
            resource_request=row["resourceRequest"],
            api_group=row["apiGroup"],
            resource=row["resource"],
            subresource=row["subresource"],
            namespace=row["namespace"],
            name=row["name"],
            path=row["path"],
            allowed=row["allowed"],
            count=row["count"],
        )

    def attributes(self) -> Attributes:
        """The request again, for matching it against a rule."""
        return Attributes(
            user=User(self.user),
            verb=self.verb,
            path=self.path,
            resource_request=self.resource_request,
            api_group=self.api_group,
            namespace=self.namespace,
            resource=self.resource,
            subresource=self.subresource,
            name=self.name,
        )


class RemoteAudit:
    """The audit of a server in another process, over ``/_kubeapi/audit``."""

    def __init__(self, url: str) -> None:
        self._url = f"{url}{PREFIX}/audit"

    def decisions(self, user: str | None = None) -> list[Decision]:
        """Every distinct request (of ``user``, if given) and whether it was allowed."""
        response = requests.get(self._url, timeout=10)
        response.raise_for_status()
        rows = [Decision.from_json(row) for row in response.json()["decisions"]]
        return [row for row in rows if user is None or row.user == user]

    def reset(self) -> None:
        requests.delete(self._url, timeout=10).raise_for_status()
