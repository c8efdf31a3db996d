"""The sweep for Instances whose finalizer kopf failed to add.

Work starts once kopf's finalizer is on an Instance (see ``runtime.asks_for_work``). When that
write fails, kopf drops the event and looks at the object again only on its next event, which an
idle Instance may never get. Candidates are Instances still without the finalizer ``grace``
seconds after *this process first saw them*; a fresh read tells a dropped one from one kopf is
merely slow with (a long backlog at scale), which is left alone. A reconcile of a dropped one adds
the finalizer before anything else.

The age is measured on the local monotonic clock from the first watch event, never by comparing
the API server's ``creationTimestamp`` with the local wall clock: with the local clock minutes
ahead every new Instance would look old at once (a fresh read for each, hundreds per beat at
scale), and with it minutes behind a dropped Instance would wait those minutes on top.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from instance_operator.api import names
from instance_operator.controller.kube import InstanceRef
from instance_operator.controller.registry import Registry

log = logging.getLogger(__name__)

#: How long an Instance may wait for kopf's finalizer before the sweep looks at it.
SWEEP_GRACE = 30.0
#: The most Instances one sweep reads afresh (a backlog of thousands must not flood the API).
SWEEP_READS = 200

Reader = Callable[[InstanceRef], Mapping[str, Any] | None]


class FinalizerSweep:
    def __init__(
        self,
        registry: Registry,
        *,
        read: Reader,
        enqueue: Callable[[str], None],
        clock: Callable[[], float],
        grace: float = SWEEP_GRACE,
        reads: int = SWEEP_READS,
    ) -> None:
        self._registry = registry
        self._read = read
        self._enqueue = enqueue
        self._clock = clock
        self._grace = grace
        self._reads = reads
        self._lock = threading.Lock()
        self._first_seen: dict[str, float] = {}

    def seen(self, uid: str) -> None:
        """A watch event for ``uid`` arrived (the first one starts its clock)."""
        with self._lock:
            self._first_seen.setdefault(uid, self._clock())

    def forget(self, uid: str) -> None:
        with self._lock:
            self._first_seen.pop(uid, None)

    def run(self) -> list[str]:
        """One sweep; the UIDs it queued."""
        now = self._clock()
        with self._lock:
            first_seen = dict(self._first_seen)
        candidates = [
            view
            for view in self._registry.all()
            if not view.deleting
            and names.FINALIZER not in view.finalizers
            and now - first_seen.get(view.uid, now) > self._grace
        ]
        queued = []
        for view in candidates[: self._reads]:
            fresh = self._read(view.ref)
            if fresh is not None and names.FINALIZER not in (
                fresh.get("metadata", {}).get("finalizers") or []
            ):
                log.info("kopf did not handle %s; reconciling it", view.ref)
                self._registry.update(fresh)
                self._enqueue(view.uid)
                queued.append(view.uid)
        return queued
