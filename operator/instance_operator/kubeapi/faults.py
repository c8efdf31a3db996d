"""Faults injected at run time, so an operator's handling of a flaky API can be proven.

Kinds: ``conflict`` (409 Conflict), ``error`` (500 InternalError), ``hang`` (no answer for
``seconds``, then 504 Timeout; the write is not applied) and ``latency`` (every matching request
waits ``seconds`` first). A rule fires on a fraction ``rate`` of the matching requests, at most
``count`` times if given. Failures default to the write verbs, latency to all verbs. Rules apply
to resource requests only, never to discovery or the control endpoints.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import threading
from collections.abc import Iterable
from typing import Any

from instance_operator.kubeapi.resources import VERBS, WRITE_VERBS

KINDS = ("conflict", "error", "hang", "latency")
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

    def matches(self, verb: str, group: str, plural: str) -> bool:
        return verb in self.verbs and self.resource in (None, plural, f"{plural}.{group}")

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "verbs": sorted(self.verbs)}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._ids = itertools.count(1)
        self._random = random.Random()  # noqa: S311 - sampling faults, not secrets

    def inject(
        self,
        kind: str,
        *,
        verbs: Iterable[str] | None = None,
        resource: str | None = None,
        count: int | None = None,
        rate: float = 1.0,
        seconds: float | None = None,
    ) -> int:
        """Add a rule and return its id; raises ``ValueError`` for a rule that cannot fire."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        chosen = frozenset(
            verbs if verbs is not None else (VERBS if kind == "latency" else WRITE_VERBS)
        )
        if not chosen or chosen - set(VERBS):
            raise ValueError(f"verbs must be a non-empty subset of {', '.join(VERBS)}")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        if not 0.0 < rate <= 1.0:
            raise ValueError("rate must be in (0, 1]")
        if kind == "latency" and seconds is None:
            raise ValueError("a latency fault needs seconds")
        if seconds is None:
            seconds = DEFAULT_HANG_SECONDS if kind == "hang" else 0.0
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        with self._lock:
            fault = Fault(next(self._ids), kind, chosen, resource, count, rate, seconds)
            self._rules.append(fault)
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
                if not rule.matches(verb, group, plural) or self._random.random() >= rule.rate:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                if rule.kind == "latency":
                    delay += rule.seconds
                else:
                    failure = rule
        return delay, failure
