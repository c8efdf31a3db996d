"""Request accounting, so tests and benchmarks can state how much an operator asked of the API.

The server thread counts; tests read from theirs, hence the lock. The snapshot is plain JSON
rows, and the totals are computed from rows, so the same functions serve a server in this
process and one in a subprocess (read over ``/_kubeapi/counters``).
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable
from typing import Any

Rows = list[dict[str, Any]]


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (verb, group, resource, subresource, namespace)
        self._requests: collections.Counter[tuple[str, str, str, str, str]] = collections.Counter()
        # (group, resource, namespace, name): write requests aimed at one object, whatever the outcome
        self._writes: collections.Counter[tuple[str, str, str, str]] = collections.Counter()

    def count_request(
        self, verb: str, group: str, resource: str, subresource: str, namespace: str
    ) -> None:
        with self._lock:
            self._requests[(verb, group, resource, subresource, namespace)] += 1

    def count_write(self, group: str, resource: str, namespace: str, name: str) -> None:
        with self._lock:
            self._writes[(group, resource, namespace, name)] += 1

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._writes.clear()

    def snapshot(self) -> dict[str, Rows]:
        with self._lock:
            requests = list(self._requests.items())
            writes = list(self._writes.items())
        return {
            "requests": [
                {"verb": v, "group": g, "resource": r, "subresource": s, "namespace": n, "count": c}
                for (v, g, r, s, n), c in sorted(requests)
            ],
            "writes": [
                {"group": g, "resource": r, "namespace": n, "name": name, "count": c}
                for (g, r, n, name), c in sorted(writes)
            ],
        }

    def requests(
        self,
        *,
        verb: str | None = None,
        resource: str | None = None,
        subresource: str | None = None,
        namespace: str | None = None,
    ) -> int:
        """Requests matching every given filter; see :func:`total_requests`."""
        return total_requests(self.snapshot()["requests"], verb, resource, subresource, namespace)

    def writes(self, resource: str, name: str, namespace: str = "") -> int:
        """Write requests (create, update, patch, delete, any subresource) aimed at one object."""
        return total_writes(self.snapshot()["writes"], resource, name, namespace)


def _resource_matches(row: dict[str, Any], resource: str) -> bool:
    return resource in (row["resource"], f"{row['resource']}.{row['group']}")


def total_requests(
    rows: Iterable[dict[str, Any]],
    verb: str | None = None,
    resource: str | None = None,
    subresource: str | None = None,
    namespace: str | None = None,
) -> int:
    """Sum of matching rows; ``resource`` is ``plural`` or ``plural.group``, ``subresource`` "" is the main endpoint."""
    return sum(
        row["count"]
        for row in rows
        if (verb is None or row["verb"] == verb)
        and (resource is None or _resource_matches(row, resource))
        and (subresource is None or row["subresource"] == subresource)
        and (namespace is None or row["namespace"] == namespace)
    )


def total_writes(
    rows: Iterable[dict[str, Any]], resource: str, name: str, namespace: str = ""
) -> int:
    return sum(
        row["count"]
        for row in rows
        if _resource_matches(row, resource)
        and row["name"] == name
        and row["namespace"] == namespace
    )
