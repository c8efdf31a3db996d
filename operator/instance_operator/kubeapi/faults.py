"""Faults injected at run time, so an operator's handling of a flaky API can be proven.

Request kinds, drawn for each matching request: ``conflict`` (409 Conflict), ``error`` (500
InternalError), ``hang`` (no answer for ``seconds``, then 504 Timeout; the write is not applied),
``latency`` (every matching request waits ``seconds`` first) and ``cut`` (a watch stream dropped
with a TCP reset, as a load balancer drops it: once ``events`` more events are out, or after a
random delay of up to ``seconds``, whichever comes first; with ``midway`` the cut falls inside
the next event, half of its chunk sent). A cut applies to the watches open when it is injected
as well as to later ones. A rule fires on a fraction ``rate`` of the matching requests, at
most ``count`` times if given. Failures default to the write verbs, latency to all verbs, cuts to
watches. Rules apply to resource requests only, never to discovery or the control endpoints.

Server kinds act once, when injected, and are not kept as rules: ``gone`` re-initialises the watch
cache of ``resource`` (every resource if none), as the API server does after an etcd compaction
or a restart: its open watches end, and a watch or a list page resumed from an older
resourceVersion gets ``410 Expired``. ``down`` is the API server gone for ``seconds``: its listener
closes (connections are refused), every open connection drops, and then it serves again on the
same port with the same objects and resourceVersions, and a fresh watch cache.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import threading
from collections.abc import Callable, Iterable
from typing import Any

from instance_operator.kubeapi.resources import VERBS, WRITE_VERBS

REQUEST_KINDS = ("conflict", "error", "hang", "latency", "cut")
SERVER_KINDS = ("gone", "down")
KINDS = REQUEST_KINDS + SERVER_KINDS
#: The API server's default request timeout: how long a ``hang`` lasts unless told otherwise.
DEFAULT_HANG_SECONDS = 60.0


@dataclasses.dataclass
class Fault:
    id: int
    kind: str
    verbs: frozenset[str]
    #: ``plural`` or ``plural.group``; ``None`` for every resource.
    resource: str | None
    #: How many more times it may fire; ``None`` for no limit.
    count: int | None
    rate: float
    seconds: float
    #: For a cut: how many events go out before it (``None``: only ``seconds`` decides).
    events: int | None = None
    #: For a cut: it falls inside the next event.
    midway: bool = False

    def matches(self, verb: str, group: str, plural: str) -> bool:
        return verb in self.verbs and self.resource in (None, plural, f"{plural}.{group}")

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "verbs": sorted(self.verbs)}


class Faults:
    """The rules; ``on_inject`` lets the server act on a fault when injected: carry out a
    ``gone`` or ``down``, arm a ``cut`` on the watches already open."""

    def __init__(self, on_inject: Callable[[Fault], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._ids = itertools.count(1)
        self._random = random.Random()  # noqa: S311 - sampling faults, not secrets
        self._on_inject = on_inject

    def inject(
        self,
        kind: str,
        *,
        verbs: Iterable[str] | None = None,
        resource: str | None = None,
        count: int | None = None,
        rate: float = 1.0,
        seconds: float | None = None,
        events: int | None = None,
        midway: bool = False,
    ) -> int:
        """Add a rule (or act, for a server kind) and return its id; raises ``ValueError`` for a
        fault that cannot fire."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if kind in SERVER_KINDS:
            unused = {
                "verbs": verbs is not None,
                "count": count is not None,
                "rate": rate != 1.0,
                "events": events is not None,
                "midway": midway,
                "resource": kind == "down" and resource is not None,
                "seconds": kind == "gone" and seconds is not None,
            }
            return self._server_fault(kind, resource, seconds, [k for k, v in unused.items() if v])
        chosen = frozenset(verbs if verbs is not None else _default_verbs(kind))
        if not chosen or chosen - set(VERBS):
            raise ValueError(f"verbs must be a non-empty subset of {', '.join(VERBS)}")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        if not 0.0 < rate <= 1.0:
            raise ValueError("rate must be in (0, 1]")
        if kind == "latency" and seconds is None:
            raise ValueError("a latency fault needs seconds")
        events = _cut_events(kind, chosen, events, midway, seconds)
        if seconds is None:
            seconds = DEFAULT_HANG_SECONDS if kind == "hang" else 0.0
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        with self._lock:
            fault = Fault(
                next(self._ids), kind, chosen, resource, count, rate, seconds, events, midway
            )
            self._rules.append(fault)
        if self._on_inject is not None:
            self._on_inject(fault)
        return fault.id

    def _server_fault(
        self, kind: str, resource: str | None, seconds: float | None, unused: list[str]
    ) -> int:
        if unused:
            takes = "resource" if kind == "gone" else "seconds"
            raise ValueError(
                f"a {kind} fault acts once, when injected, and takes only {takes}; "
                f"drop {', '.join(unused)}"
            )
        if kind == "down" and (seconds is None or seconds <= 0):
            raise ValueError("a down fault needs seconds > 0: how long the API server is gone")
        if self._on_inject is None:
            raise ValueError(f"a {kind} fault needs a running server")
        with self._lock:
            fault = Fault(next(self._ids), kind, frozenset(), resource, 1, 1.0, seconds or 0.0)
        self._on_inject(fault)
        return fault.id

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def draw(self, verb: str, group: str, plural: str) -> tuple[float, Fault | None]:
        """For one request: the latency to add, and the failure to answer with, if any."""
        delay, failure = 0.0, None
        with self._lock:
            for rule in list(self._rules):
                if rule.kind != "latency" and failure is not None:
                    continue
                if not rule.matches(verb, group, plural) or not self._fires(rule):
                    continue
                if rule.kind == "latency":
                    delay += rule.seconds
                else:
                    failure = rule
        return delay, failure

    def claim(self, fault: Fault) -> bool:
        """Whether a rule fires once more outside a request (a cut on an open watch)."""
        with self._lock:
            return fault in self._rules and self._fires(fault)

    def _fires(self, rule: Fault) -> bool:
        """Draw ``rate`` and spend one of ``count``; under the lock."""
        if self._random.random() >= rule.rate:
            return False
        if rule.count is not None:
            rule.count -= 1
            if rule.count == 0:
                self._rules.remove(rule)
        return True

    def cut_delay(self, fault: Fault) -> float | None:
        """For a cut with ``seconds``: when it falls, drawn uniformly from ``[0, seconds]``."""
        if fault.kind != "cut" or (fault.events is not None and not fault.seconds):
            return None
        with self._lock:
            return self._random.uniform(0.0, fault.seconds)


def _cut_events(
    kind: str, verbs: frozenset[str], events: int | None, midway: bool, seconds: float | None
) -> int | None:
    """A cut's event count (0 if neither it nor seconds is given); checks the cut options."""
    if kind != "cut":
        if events is not None or midway:
            raise ValueError("events and midway apply to a cut fault only")
        return None
    if verbs != {"watch"}:
        raise ValueError("a cut fault applies to watches only: verbs must be ['watch']")
    if events is not None and events < 0:
        raise ValueError("events must not be negative")
    return 0 if events is None and seconds is None else events


def _default_verbs(kind: str) -> tuple[str, ...]:
    if kind == "latency":
        return VERBS
    if kind == "cut":
        return ("watch",)
    return WRITE_VERBS
