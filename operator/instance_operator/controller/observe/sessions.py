"""One session per scope: the watcher, tag lookup and actuators of the servers of one project.

A *scope* is where servers live, ``<keystone host>/<region>/<project ID>`` (``Access.scope``):
whoever's credentials reach it, its servers are the same, so they are polled once. A scope's
session is opened by the first pass of an Instance in it and closed, threads and caches with it,
when no Instance uses the scope any more (:meth:`Sessions.prune`). This is the one place that owns
what is kept per scope; the reconciler and the finalizer borrow it for one pass.

Every set of credentials that reached the scope has its own actuator (and name cache): a pass acts
with its Instance's credentials. The newest credentials poll and look servers up by tag, so a
rotated password takes over the scope's reads at its first use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from instance_operator.api.names import SERVER_TAG_PREFIX
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.scope_watcher import PollStats, ScopeWatcher, Timing
from instance_operator.controller.observe.tag_lookup import TagLookup
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.credentials import Access
from instance_operator.controller.reconcile.resolver import Resolver
from instance_operator.controller.registry import Registry
from instance_operator.openstack.cloud import Cloud

log = logging.getLogger(__name__)


def tagged_uids(server: Observed) -> list[str]:
    """The Instance UIDs the server's ``iop-uid-`` tags name: one, except on an imported server
    that still carries the tag of an Instance deleted without releasing it."""
    return [t[len(SERVER_TAG_PREFIX) :] for t in server.tags if t.startswith(SERVER_TAG_PREFIX)]


class ScopeSession:
    """What the operator holds for one scope while any Instance uses it."""

    def __init__(
        self,
        scope: str,
        make_watcher: Callable[[ScopeSession], ScopeWatcher],
        *,
        lookup_ttl: float,
        clock: Callable[[], float],
    ) -> None:
        self.scope = scope
        self._lookup_ttl = lookup_ttl
        self._lock = threading.Lock()
        self._actuators: dict[Cloud, Actuator] = {}
        self._newest: Cloud | None = None
        self.lookup = TagLookup(lambda tags: self.newest().find_tagged(tags, clock()))
        self.watcher = make_watcher(self)

    def use(self, cloud: Cloud) -> Actuator:
        """The actuator for ``cloud``'s credentials, which become the scope's newest."""
        with self._lock:
            actuator = self._actuators.get(cloud)
            if actuator is None:
                actuator = Actuator(cloud, Resolver(cloud, ttl=self._lookup_ttl))
                self._actuators[cloud] = actuator
            self._newest = cloud
            return actuator

    def newest(self) -> Actuator:
        with self._lock:
            if self._newest is None:
                raise RuntimeError(f"no credentials have opened scope {self.scope} yet")
            return self._actuators[self._newest]

    def newest_cloud(self) -> Cloud | None:
        with self._lock:
            return self._newest

    def close(self) -> None:
        self.watcher.stop()
        self.lookup.stop()


class Sessions:
    """The open sessions, and the link from a server the watchers saw back to its Instance."""

    def __init__(
        self,
        registry: Registry,
        timing: Timing,
        *,
        enqueue: Callable[[str], None],
        active: Callable[[], bool],
        lookup_ttl: float,
        polled: Callable[[PollStats], None] = lambda stats: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._timing = timing
        self._enqueue = enqueue
        self._active = active
        self._polled = polled
        self._lookup_ttl = lookup_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, ScopeSession] = {}

    def open(self, access: Access) -> tuple[ScopeSession, Actuator]:
        """The scope's session (opened and its watcher started if need be) and the actuator of
        ``access``'s credentials."""
        with self._lock:
            session = self._sessions.get(access.scope)
            if session is None:
                session = ScopeSession(
                    access.scope, self._watcher, lookup_ttl=self._lookup_ttl, clock=self._clock
                )
                self._sessions[access.scope] = session
                actuator = session.use(access.cloud)
                session.watcher.start()
                log.info("Watching servers of scope %s", access.scope)
                return session, actuator
        return session, session.use(access.cloud)

    def _watcher(self, session: ScopeSession) -> ScopeWatcher:
        return ScopeWatcher(
            session.scope,
            cloud=session.newest_cloud,
            timing=self._timing,
            changed=self._changed,
            missing=self._missing,
            tracked=self._tracked,
            active=self._active,
            polled=self._polled,
        )

    def all(self) -> list[ScopeSession]:
        with self._lock:
            return list(self._sessions.values())

    def prune(self) -> None:
        """Close the sessions of scopes that no Instance uses any more."""
        with self._lock:
            idle = [s for s in self._sessions if not self._registry.in_scope(s)]
            closing = [self._sessions.pop(s) for s in idle]
        for session in closing:
            log.info("No Instance left in scope %s: stopping its watcher", session.scope)
            session.close()

    def stop(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def _uid(self, server: Observed) -> str | None:
        for uid in (*tagged_uids(server), self._registry.uid_for_server(server.id)):
            if uid is not None and self._registry.get(uid) is not None:
                return uid
        return None

    def _tracked(self, server: Observed) -> bool:
        return self._uid(server) is not None

    def _changed(self, server: Observed) -> None:
        uid = self._uid(server)
        if uid is not None:
            self._enqueue(uid)

    def _missing(self, server_id: str) -> None:
        uid = self._registry.uid_for_server(server_id)
        if uid is not None:
            self._enqueue(uid)
