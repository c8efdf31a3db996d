"""One watcher per scope (Keystone host, region, project): how the operator observes servers cheaply.

Polling each server every interval would cost one Nova request per Instance per interval. Instead
a single thread per scope asks ``GET /servers/detail?changes-since=T`` (deleted servers included),
which costs about one request per interval however many servers there are, and lists everything
(``GET /servers/detail``, paged) once at start and then every resync interval, to catch what a
change poll cannot (a lost update, a server deleted and purged in between). It polls faster while
any server it tracks is in transition, and tells the controller about each server whose state
changed; the controller decides what that means for its Instance.

``T`` comes from the servers' own ``updated`` stamps, never from this machine's clock, so clock skew
between the operator and Nova cannot hide a change. Nova filters with ``>=``, so the newest
server is seen again each poll; unchanged ones are dropped here.

A server absent from a full listing is reported missing only when Nova confirms it (a 404 for
``GET /servers/{id}``): real Nova's paging can skip a server (one moving between cells while the
pages are read) or send a next link back to a page already read, and a live server reported
missing would read as Lost. A listing cut short by such a link looks for no absence at all.
While a server is ``UNKNOWN`` (its cell is down) every poll is a full listing: when the cell comes
back its servers' ``updated`` stamps are old, so a change poll would never show them again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.status.phases import is_busy, is_gone, is_unreachable
from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute import servers
from instance_operator.openstack.errors import NotFound, OpenStackError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timing:
    poll_interval: float
    fast_poll_interval: float
    resync_interval: float


@dataclass(frozen=True)
class PollStats:
    """What one poll did, for metrics: ``full`` for a resync, ``changed`` servers reported."""

    scope: str
    full: bool
    seconds: float
    changed: int
    ok: bool


class ScopeWatcher:
    def __init__(
        self,
        scope: str,
        *,
        cloud: Callable[[], Cloud | None],
        timing: Timing,
        changed: Callable[[Observed], None],
        missing: Callable[[str], None],
        tracked: Callable[[Observed], bool],
        active: Callable[[], bool] = lambda: True,
        polled: Callable[[PollStats], None] = lambda stats: None,
    ) -> None:
        self.scope = scope
        self._cloud = cloud
        self._timing = timing
        self._changed = changed
        self._missing = missing
        self._tracked = tracked
        self._active = active
        self._polled = polled
        self._lock = threading.Lock()
        self._servers: dict[str, Observed] = {}
        self._since: datetime | None = None
        self._last_full = float("-inf")
        self._last_success = float("-inf")
        self._hurry_until = float("-inf")
        self._synced = threading.Event()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watch-{scope[:40]}", daemon=True)

    # --- the controller's side ------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped.set()
        self._wake.set()
        self._thread.join(timeout)

    def wait_synced(self, timeout: float) -> bool:
        """Block until the first full listing is in (or ``timeout`` passed)."""
        return self._synced.wait(timeout)

    def observation(self, server_id: str) -> Observed | None:
        with self._lock:
            return self._servers.get(server_id)

    def record(self, server: Observed) -> None:
        """A fresher observation made by the controller itself (a GET after a change)."""
        with self._lock:
            self._remember(server)

    def hurry(self, seconds: float) -> None:
        """Poll at the fast interval for a while: the controller just changed something."""
        with self._lock:
            self._hurry_until = max(self._hurry_until, time.monotonic() + seconds)
        self._wake.set()

    def seconds_since_success(self) -> float:
        return time.monotonic() - self._last_success

    # --- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopped.is_set():
            if self._active():
                self.poll()
            self._wake.wait(self._interval())
            self._wake.clear()

    def _interval(self) -> float:
        now = time.monotonic()
        if not self._synced.is_set() or now < self._hurry_until:
            return self._timing.fast_poll_interval
        with self._lock:
            transitioning = any(
                is_busy(s.status, s.task_state)
                for s in self._servers.values()
                if not is_gone(s.status)
            )
        return self._timing.fast_poll_interval if transitioning else self._timing.poll_interval

    def poll(self) -> None:
        """One poll now: the thread loops on it (tests call it directly)."""
        started = time.monotonic()
        full = (
            not self._synced.is_set()
            or started - self._last_full >= self._timing.resync_interval
            or self._any_unreachable()
        )
        cloud = self._cloud()
        if cloud is None:
            return
        try:
            opts = None if full else servers.ListOpts(changes_since=self._since)
            listing = servers.list_detail(cloud.compute, opts)
            found = [Observed.from_server(s, started) for s in listing]
        except OpenStackError as exc:
            log.warning("Polling servers of %s failed: %s", self.scope, exc)
            self._polled(PollStats(self.scope, full, time.monotonic() - started, 0, ok=False))
            return
        changed = self._absorb(found)
        self._last_success = time.monotonic()
        if full:
            self._last_full = started
            if listing.cut_short:
                log.warning(
                    "Nova's paging of the servers of %s led back to a page already read; not"
                    " looking for deleted servers in this listing",
                    self.scope,
                )
            else:
                gone, reappeared = self._vanished(found, cloud, started)
                changed += reappeared
                for server_id in gone:
                    self._missing(server_id)
            self._synced.set()
        for server in changed:
            self._changed(server)
        self._polled(PollStats(self.scope, full, time.monotonic() - started, len(changed), ok=True))

    def _absorb(self, found: Iterable[Observed]) -> list[Observed]:
        changed = []
        with self._lock:
            for server in found:
                before = self._servers.get(server.id)
                self._remember(server)
                if self._tracked(server) and (before is None or not before.same_state(server)):
                    changed.append(server)
                if server.updated is not None and (
                    self._since is None or server.updated > self._since
                ):
                    self._since = server.updated
        return changed

    def _remember(self, server: Observed) -> None:
        self._servers[server.id] = server

    def _any_unreachable(self) -> bool:
        with self._lock:
            return any(is_unreachable(s.status) for s in self._servers.values())

    def _vanished(
        self, found: list[Observed], cloud: Cloud, started: float
    ) -> tuple[list[str], list[Observed]]:
        """Servers a full listing no longer shows: those Nova confirms gone (404) are forgotten
        and returned first (unless already known deleted: deleted and purged between two polls,
        or hidden from change polls); those it still shows are absorbed and returned second, if
        tracked. A server that cannot be asked about now is kept for the next listing."""
        present = {s.id for s in found}
        with self._lock:
            absent = [sid for sid in self._servers if sid not in present]
            known_gone = [sid for sid in absent if is_gone(self._servers[sid].status)]
            for server_id in known_gone:
                del self._servers[server_id]
        gone: list[str] = []
        seen: list[Observed] = []
        for server_id in absent:
            if server_id in known_gone:
                continue
            try:
                seen.append(Observed.from_server(servers.get(cloud.compute, server_id), started))
            except NotFound:
                with self._lock:
                    self._servers.pop(server_id, None)
                gone.append(server_id)
            except OpenStackError as exc:
                log.warning("Could not confirm that server %s is gone: %s", server_id, exc)
        if seen:
            log.info(
                "%d server(s) of %s missing from the full listing are still there: %s",
                len(seen),
                self.scope,
                ", ".join(s.id for s in seen),
            )
        return gone, self._absorb(seen)
