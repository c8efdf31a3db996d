"""Calls to Nova whose fate is unknown: when "not in Nova's action log" starts to mean "never sent".

An action call is written ahead (a Running record) and then sent. If the operator dies, or the
answer is lost, before it learns the request ID, the next pass asks Nova's instance-action log.
An empty log is not proof that the call never reached Nova: the request can still be on its way,
queued in a load balancer or in nova-api, and act after the question was asked. Calling again at
once would then make the action twice.

So an unknown call is waited out: it counts as never sent only after ``limit`` seconds (the
longest this client waits for any answer, connect plus read timeout) have passed since this process
first found it unresolved. A request that a dead process sent left before that process died, and
so before this one started; one whose answer this process lost left before the loss was seen. The
clock is this process's monotonic clock, so neither clock skew between nodes nor a client-side wait
between the write-ahead and the send (rate limit, Retry-After) can shorten the wait. A call that
got any HTTP answer, or never left (connection refused), is settled at once: nova-api records an
instance action before it answers.

It also remembers when this process first saw each server show its current ``updated`` (Nova's
whole-second time of the last change): a call is made only a second after that, so it starts in
a later second than any action before it (see ``runner.NOVA_SECOND``). Newer observations
that show the same ``updated`` do not move that moment, or a server polled every 0.3 s would never
be called.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from instance_operator.api.models import ActionStatus
from instance_operator.api.names import Action


@dataclass(frozen=True)
class CallKey:
    """One write-ahead: an Instance, an action, its token and the record's ``startedAt``."""

    uid: str
    action: Action
    token: str
    started_at: datetime | None

    @classmethod
    def of(cls, uid: str, action: Action, record: ActionStatus) -> CallKey:
        return cls(uid, action, record.token, record.started_at)


@dataclass(frozen=True)
class Unsettled:
    #: Seconds until the call counts as never sent (0 once it does).
    remaining: float
    #: The wall time at which it will count as never sent, for the status message.
    until: datetime


class InFlight:
    """What this process knows about calls that may still be on their way to Nova."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        #: Monotonic time and wall time at which each unknown call was first found unresolved.
        self._unknown: dict[CallKey, tuple[float, datetime]] = {}
        self._settled: set[CallKey] = set()
        #: Per server: its ``updated`` and the monotonic time this process first saw it.
        self._updated: dict[str, tuple[datetime | None, float]] = {}

    def lost(self, key: CallKey, *, clock: float, now: datetime) -> None:
        """The call was sent and its answer lost: it may act up to ``limit`` seconds from now."""
        with self._lock:
            self._settled.discard(key)
            self._unknown[key] = (clock, now)

    def settled(self, key: CallKey) -> None:
        """The call got an HTTP answer or never left: Nova's log is the whole truth about it."""
        with self._lock:
            self._unknown.pop(key, None)
            self._settled.add(key)

    def wait(self, key: CallKey, *, clock: float, now: datetime) -> Unsettled | None:
        """How long to keep asking Nova before calling again; None when calling again is safe."""
        with self._lock:
            if key in self._settled:
                return None
            first_clock, first_now = self._unknown.setdefault(key, (clock, now))
        remaining = self.limit - (clock - first_clock)
        if remaining <= 0:
            return None
        return Unsettled(remaining, first_now + timedelta(seconds=self.limit))

    def forget(self, key: CallKey) -> None:
        with self._lock:
            self._unknown.pop(key, None)
            self._settled.discard(key)

    def first_seen(self, server_id: str, updated: datetime | None, seen_at: float) -> float:
        """The monotonic time this process first saw the server show ``updated``."""
        with self._lock:
            known = self._updated.get(server_id)
            if known is None or known[0] != updated:
                known = (updated, seen_at)
                self._updated[server_id] = known
            return known[1]
