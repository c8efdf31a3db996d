"""The set of running scope watchers: started when the first Instance of a scope appears, stopped
when the last one is gone, and the link from a changed server back to its Instance."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from instance_operator.api.names import SERVER_TAG_PREFIX
from instance_operator.controller.clouds import Access
from instance_operator.controller.observed import Observed
from instance_operator.controller.registry import Registry
from instance_operator.controller.watcher import PollStats, ScopeWatcher, Timing
from instance_operator.openstack.cloud import Cloud

log = logging.getLogger(__name__)


def tagged_uid(server: Observed) -> str | None:
    for tag in server.tags:
        if tag.startswith(SERVER_TAG_PREFIX):
            return tag[len(SERVER_TAG_PREFIX) :]
    return None


class Watchers:
    def __init__(
        self,
        registry: Registry,
        timing: Timing,
        *,
        enqueue: Callable[[str], None],
        active: Callable[[], bool],
        polled: Callable[[PollStats], None] = lambda stats: None,
    ) -> None:
        self._registry = registry
        self._timing = timing
        self._enqueue = enqueue
        self._active = active
        self._polled = polled
        self._lock = threading.Lock()
        self._watchers: dict[str, ScopeWatcher] = {}
        self._clouds: dict[str, Cloud] = {}

    def ensure(self, access: Access) -> ScopeWatcher:
        with self._lock:
            self._clouds[access.scope] = access.cloud  # the newest credentials poll for the scope
            watcher = self._watchers.get(access.scope)
            if watcher is None:
                watcher = self._make(access.scope)
                self._watchers[access.scope] = watcher
                watcher.start()
                log.info("Watching servers of scope %s", access.scope)
            return watcher

    def _make(self, scope: str) -> ScopeWatcher:
        return ScopeWatcher(
            scope,
            cloud=lambda: self._clouds.get(scope),
            timing=self._timing,
            changed=self._changed,
            missing=self._missing,
            tracked=self._tracked,
            active=self._active,
            polled=self._polled,
        )

    def get(self, scope: str) -> ScopeWatcher | None:
        with self._lock:
            return self._watchers.get(scope)

    def all(self) -> list[ScopeWatcher]:
        with self._lock:
            return list(self._watchers.values())

    def prune(self) -> None:
        """Stop the watchers of scopes that no Instance uses any more."""
        with self._lock:
            idle = [s for s in self._watchers if not self._registry.in_scope(s)]
            stopping = [self._watchers.pop(s) for s in idle]
            for scope in idle:
                self._clouds.pop(scope, None)
        for watcher in stopping:
            log.info("No Instance left in scope %s: stopping its watcher", watcher.scope)
            watcher.stop()

    def stop(self) -> None:
        with self._lock:
            watchers, self._watchers = list(self._watchers.values()), {}
        for watcher in watchers:
            watcher.stop()

    def _uid(self, server: Observed) -> str | None:
        uid = tagged_uid(server) or self._registry.uid_for_server(server.id)
        return uid if uid is not None and self._registry.get(uid) is not None else None

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
