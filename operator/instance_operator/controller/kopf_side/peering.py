"""Whether this replica is the active one, by kopf's peering rule with a skew-proof liveness test.

kopf pauses its own watching when a peer with a higher priority is alive, but it knows nothing of
the operator's own threads (the scope watchers, the Secret poller). Without this gate a paused
replica would keep polling and writing status next to the active one. It reads kopf's peering
object (``status``: ``{identity: {priority, lastseen, lifetime}}``) and applies kopf's rule: active
when no other live peer has a higher or equal priority.

Liveness is where this gate differs from kopf. kopf calls a peer dead when its ``lastseen`` (the
peer's own wall clock) plus ``lifetime`` is before the local wall clock, so a replica whose clock
runs minutes ahead takes every peer for dead and acts beside the active one. Here a peer is alive
while its ``lastseen`` keeps changing: it is dead only once this process has watched the same
``lastseen`` for a whole ``lifetime`` on its monotonic clock. kopf rewrites ``lastseen`` every
``lifetime - 10`` seconds, so a live peer always changes it in time, whatever either clock says. A
peer seen for the first time counts as alive for one lifetime: acting twice is worse than acting a
few seconds late.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)

Reader = Callable[[], Iterable[Mapping[str, Any]]]
#: Whether a peer (its identity and its entry) is alive.
Liveness = Callable[[str, Mapping[str, Any]], bool]


def is_active(peers: Mapping[str, Any], *, identity: str, priority: int, alive: Liveness) -> bool:
    """No other live peer has a priority as high as ours. Every peer's liveness is asked, so
    that each sighting is recorded whatever the verdict."""
    blocking = [
        other
        for other, info in peers.items()
        if other != identity
        and isinstance(info, Mapping)
        and alive(other, info)
        and _priority(info) >= priority
    ]
    return not blocking


def _priority(info: Mapping[str, Any]) -> int:
    try:
        return int(info.get("priority", 0))
    except (TypeError, ValueError):
        return 0


class Sightings:
    """When each peer's ``lastseen`` last changed, on the local monotonic clock."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str], tuple[str, float]] = {}

    def liveness(self, obj: int, now: float) -> Liveness:
        """The liveness test for the peers of peering object number ``obj`` at time ``now``."""

        def alive(identity: str, info: Mapping[str, Any]) -> bool:
            stamp = info.get("lastseen")
            if not stamp:
                return False
            try:
                lifetime = float(info.get("lifetime", 60))
            except (TypeError, ValueError):
                lifetime = 60.0
            key = (obj, identity)
            known = self._seen.get(key)
            if known is None or known[0] != stamp:
                self._seen[key] = (str(stamp), now)
                return True
            return now - known[1] < lifetime

        return alive

    def keep(self, present: set[tuple[int, str]]) -> None:
        """Forget peers no longer listed (they left, or were cleaned up)."""
        for key in set(self._seen) - present:
            del self._seen[key]


class ActivityGate:
    """Polls the peering objects every few seconds; ``active()`` is what the threads consult.

    ``read`` returns the ``status`` of each peering object that concerns this operator (one,
    cluster-wide; or one per watched namespace). Until the first successful read the replica
    counts as inactive: acting twice is worse than acting a few seconds late.
    """

    def __init__(
        self,
        read: Reader,
        *,
        identity: str,
        priority: int,
        interval: float = 5.0,
        became_active: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._identity = identity
        self._priority = priority
        self._interval = interval
        self._became_active = became_active
        self._clock = clock
        self._sightings = Sightings()
        self._active = False
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peering-gate", daemon=True)

    def active(self) -> bool:
        return self._active

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)

    def check(self) -> bool:
        now = self._clock()
        try:
            objects = list(self._read())
            verdicts = [
                is_active(
                    peers,
                    identity=self._identity,
                    priority=self._priority,
                    alive=self._sightings.liveness(index, now),
                )
                for index, peers in enumerate(objects)
            ]
            self._sightings.keep(
                {(index, peer) for index, peers in enumerate(objects) for peer in peers}
            )
            active = all(verdicts)
        except Exception as exc:  # an unreadable peering object: keep the last verdict
            log.warning("Could not read the peering object: %s", exc)
            return self._active
        if active and not self._active:
            log.info(
                "This replica (%s, priority %d) is now the active one",
                self._identity,
                self._priority,
            )
            self._became_active()
        elif self._active and not active:
            log.info("Another replica has priority: this one (%s) pauses", self._identity)
        self._active = active
        return active

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.check()
            self._stopped.wait(self._interval)
