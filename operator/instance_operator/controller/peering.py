"""Whether this replica is the active one, by the same rule kopf's peering applies.

kopf pauses its own watching when a peer with a higher priority is alive, but it knows nothing of
the operator's own threads (the scope watchers, the Secret poller). Without this gate a paused
replica would keep polling and writing status next to the active one. It reads kopf's peering
object (``status``: ``{identity: {priority, lastseen, lifetime}}``) and applies kopf's rule: active
when no other live peer has a higher or equal priority.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

Reader = Callable[[], Iterable[Mapping[str, Any]]]


def is_active(peers: Mapping[str, Any], *, identity: str, priority: int, now: datetime) -> bool:
    for other, info in peers.items():
        if other == identity or not isinstance(info, Mapping):
            continue
        if _is_dead(info, now):
            continue
        if int(info.get("priority", 0)) >= priority:
            return False
    return True


def _is_dead(info: Mapping[str, Any], now: datetime) -> bool:
    try:
        lastseen = datetime.fromisoformat(str(info["lastseen"]))
    except (KeyError, ValueError):
        return True
    if lastseen.tzinfo is None:
        lastseen = lastseen.replace(tzinfo=UTC)
    return lastseen + timedelta(seconds=float(info.get("lifetime", 60))) < now


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
    ) -> None:
        self._read = read
        self._identity = identity
        self._priority = priority
        self._interval = interval
        self._became_active = became_active
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
        now = datetime.now(UTC)
        try:
            active = all(
                is_active(peers, identity=self._identity, priority=self._priority, now=now)
                for peers in self._read()
            )
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
