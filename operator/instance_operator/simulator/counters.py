"""Request accounting, so a test can check from the simulator's side what a client did.

Counts are kept per (service, method, path template, status). Status 0 means the client got
no HTTP answer at all (an injected connection reset or hang). The busiest one-second window
per service is tracked too, so a client-side rate limit can be verified.
"""

from __future__ import annotations

import collections
import threading

from pydantic import BaseModel


class CounterRow(BaseModel):
    service: str
    method: str
    path: str
    status: int
    count: int


class CounterSnapshot(BaseModel):
    """A copy of the counters at one moment, the same from Python and over HTTP."""

    requests: list[CounterRow]
    #: The most requests each service received within any sliding one-second window.
    max_requests_per_second: dict[str, int]

    def count(
        self,
        service: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> int:
        """Sum of the rows matching every given field (a path is a template, ``/v2.1/servers/{server_id}``)."""
        return sum(
            row.count
            for row in self.requests
            if (service is None or row.service == service)
            and (method is None or row.method == method)
            and (path is None or row.path == path)
            and (status is None or row.status == status)
        )


class Counters:
    """Live counters of one simulator; ``sim.counters`` in Python."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[tuple[str, str, str, int]] = collections.Counter()
        self._windows: dict[str, collections.deque[float]] = {}
        self._max_rps: dict[str, int] = {}

    def arrived(self, service: str, at: float) -> None:
        """Note a request's arrival in the service's sliding one-second window."""
        with self._lock:
            window = self._windows.setdefault(service, collections.deque())
            window.append(at)
            while window and window[0] <= at - 1.0:
                window.popleft()
            if len(window) > self._max_rps.get(service, 0):
                self._max_rps[service] = len(window)

    def record(self, service: str, method: str, path: str, status: int) -> None:
        with self._lock:
            self._counts[(service, method, path, status)] += 1

    def snapshot(self) -> CounterSnapshot:
        with self._lock:
            rows = [
                CounterRow(service=s, method=m, path=p, status=st, count=n)
                for (s, m, p, st), n in sorted(self._counts.items())
            ]
            return CounterSnapshot(requests=rows, max_requests_per_second=dict(self._max_rps))

    def count(
        self,
        service: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> int:
        return self.snapshot().count(service, method, path, status)

    def max_requests_per_second(self, service: str) -> int:
        with self._lock:
            return self._max_rps.get(service, 0)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._windows.clear()
            self._max_rps.clear()
