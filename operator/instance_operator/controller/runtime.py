"""The controller as one object: the pieces wired together, and the entry points kopf calls.

kopf's handlers (``handlers.py``) stay thin: every watch event updates the registry, and one that
asks for work hands the Instance's UID to the work queue, whose worker threads make the OpenStack
and Kubernetes calls; deletion awaits its result on the event loop. Besides the queue, three background threads belong here: the scope watchers (one
per cloud scope, see ``watcher.py``), the Secret poller and, with peering, the activity gate.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from kubernetes.client.exceptions import ApiException

from instance_operator.api import names
from instance_operator.controller import logcontext
from instance_operator.controller.clouds import CloudAccess, SecretCache
from instance_operator.controller.config import OperatorConfig
from instance_operator.controller.finalizer import Finalizer, Outcome
from instance_operator.controller.kube import Kube
from instance_operator.controller.logcontext import log_context
from instance_operator.controller.peering import ActivityGate
from instance_operator.controller.reconciler import Reconciler
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.telemetry import NoTelemetry, Telemetry
from instance_operator.controller.watcher import Timing
from instance_operator.controller.watchers import Watchers
from instance_operator.controller.workqueue import WorkQueue
from instance_operator.controller.writer import Recorder, StatusWriter
from instance_operator.openstack.cloud import CloudPool
from instance_operator.openstack.metrics import MetricsHook
from instance_operator.openstack.settings import Settings

log = logging.getLogger(__name__)

#: How long an Instance may wait for kopf's finalizer before the sweep looks at it.
SWEEP_GRACE = 30.0
#: The most Instances one sweep reads afresh (a backlog of thousands must not flood the API).
SWEEP_READS = 200


class Controller:
    def __init__(
        self,
        config: OperatorConfig,
        kube: Kube,
        *,
        gate: ActivityGate | None = None,
        telemetry: Telemetry | None = None,
        openstack_metrics: MetricsHook | None = None,
    ) -> None:
        logcontext.install()
        self.telemetry = telemetry or NoTelemetry()
        self.config = config
        self.kube = kube
        self.registry = Registry()
        self.writer = StatusWriter(kube)
        self.recorder = Recorder(kube)
        self.secrets = SecretCache(kube)
        self.gate = gate
        settings = Settings(
            read_timeout=config.openstack_timeout,
            rate_limit=config.openstack_rate_limit,
            concurrency=config.openstack_concurrency,
        )
        self.clouds = CloudPool(settings, openstack_metrics)
        self.queue: WorkQueue[str] = WorkQueue(self._process, workers=config.workers)
        self.watchers = Watchers(
            self.registry,
            Timing(config.poll_interval, config.fast_poll_interval, config.resync_interval),
            enqueue=self.queue.add,
            active=self.active,
            polled=self.telemetry.polled,
        )
        self.reconciler = Reconciler(
            registry=self.registry,
            kube=kube,
            writer=self.writer,
            recorder=self.recorder,
            access=CloudAccess(self.secrets, self.clouds),
            secrets=self.secrets,
            watchers=self.watchers,
            config=config,
            telemetry=self.telemetry,
        )
        self.finalizer = Finalizer(
            self.reconciler, self.registry, self.writer, self.recorder, clock=time.monotonic
        )
        self._outcomes: dict[str, Outcome] = {}
        self._deletions: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = threading.Event()
        self._poller = threading.Thread(
            target=self._poll_secrets, name="secret-poller", daemon=True
        )

    def active(self) -> bool:
        return self.gate is None or self.gate.active()

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        if self.gate is not None:
            self.gate.start()
        self.queue.start()
        self._poller.start()

    def stop(self) -> None:
        self._stopped.set()
        self.queue.stop()
        self.watchers.stop()
        if self.gate is not None:
            self.gate.stop()
        self._poller.join(5)
        self.clouds.close()

    def became_active(self) -> None:
        """After a pause another replica may have written status: forget what was written here."""
        self.writer.reset()
        for view in self.registry.all():
            self.queue.add(view.uid)

    # --- what kopf calls (on the event loop) -----------------------------------------------------

    def observe(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        uid = body.get("metadata", {}).get("uid")
        if not uid:
            return
        if event_type == "DELETED":
            self.registry.remove(uid)
            self.queue.forget(uid)
            self.reconciler.forget(uid)
            self._outcomes.pop(uid, None)
            self._deletions.pop(uid, None)
            self.watchers.prune()
        else:
            before = self.registry.get(uid)
            if asks_for_work(before, self.registry.update(body)):
                self.queue.add(uid)

    async def finalize(self, uid: str, *, timeout: float) -> Outcome:
        """Run the finalizer, then wait (without a thread) for the watcher to see the server go."""
        event = self._deletions.setdefault(uid, asyncio.Event())
        event.clear()
        await asyncio.wrap_future(self.queue.submit(uid))
        outcome = self._outcomes.get(uid, Outcome(done=False, message="not finalized yet"))
        deadline = asyncio.get_running_loop().time() + timeout
        while not outcome.done and not outcome.failed:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                self.queue.add(uid)  # look once more, directly, before kopf retries
                break
            outcome = self._outcomes.get(uid, outcome)
        return outcome

    # --- the worker threads ----------------------------------------------------------------------

    def _process(self, uid: str) -> float | None:
        view = self.registry.get(uid)
        if view is None:
            return None
        started = time.monotonic()
        with log_context(view.ref):
            try:
                if not view.deleting:
                    result = self.reconciler.reconcile(uid)
                    self.telemetry.reconciled(
                        "reconcile", result.outcome, time.monotonic() - started
                    )
                    return result.requeue
                outcome = self.finalizer.finalize(uid)
            except ApiException as exc:  # the Kubernetes API refused or dropped a write
                delay = random.uniform(1.0, 3.0)  # noqa: S311 (jitter, not crypto)
                log.warning(
                    "Kubernetes API: %s %s; retrying in %.0f s", exc.status, exc.reason, delay
                )
                self.telemetry.reconciled(
                    "finalize" if view.deleting else "reconcile", "kubernetes_error", 0.0
                )
                return delay
        self.telemetry.reconciled("finalize", outcome.label, time.monotonic() - started)
        self._outcomes[uid] = outcome
        event = self._deletions.get(uid)
        if event is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(event.set)
        return None

    def _sweep(self) -> None:
        """Queue the Instances whose finalizer kopf failed to add.

        Work starts once kopf's finalizer is on an Instance (see :func:`asks_for_work`). When
        that write fails, kopf drops the event and looks at the object again only on its next
        event, which an idle Instance may never get. Candidates are Instances still without the
        finalizer 30 s after they appeared; a fresh read tells a dropped one from one kopf is
        merely slow with (a long backlog at scale), which is left alone. A reconcile of a dropped
        one adds the finalizer before anything else.
        """
        now = datetime.now(UTC)
        candidates = []
        for view in self.registry.all():
            if view.deleting or names.FINALIZER in view.finalizers or not view.created:
                continue
            age = now - datetime.fromisoformat(view.created.replace("Z", "+00:00"))
            if age.total_seconds() > SWEEP_GRACE:
                candidates.append(view)
        for view in candidates[:SWEEP_READS]:
            fresh = self.kube.get_instance(view.ref)
            if fresh is not None and names.FINALIZER not in (
                fresh["metadata"].get("finalizers") or []
            ):
                log.info("kopf did not handle %s; reconciling it", view.ref)
                self.registry.update(fresh)
                self.queue.add(view.uid)

    # --- what the metrics read ------------------------------------------------------------------

    def phases(self) -> list[str | None]:
        return [view.status.get("phase") for view in self.registry.all()]

    def watcher_lags(self) -> list[tuple[str, float]]:
        return [(w.scope, w.seconds_since_success()) for w in self.watchers.all()]

    def _poll_secrets(self) -> None:
        """Secrets can only be read (not watched): re-read those in use, wake their Instances.
        The same beat sweeps up Instances that kopf dropped (see :meth:`_sweep`)."""
        while not self._stopped.wait(self.config.secret_poll_interval):
            if not self.active():
                continue
            try:
                self._sweep()
                self._refresh_secrets()
            except Exception:  # this thread must outlive a bad round (the API down, a bug)
                log.exception(
                    "The Secret poll failed; trying again in %s s", self.config.secret_poll_interval
                )

    def _refresh_secrets(self) -> None:
        for key in self.secrets.refresh(self.registry.secrets()):
            users = self.registry.using_secret(key)
            if users:
                log.info("Secret %s/%s changed: reconciling %d Instance(s)", *key, len(users))
            for view in users:
                self.queue.add(view.uid)


def asks_for_work(before: InstanceView | None, after: InstanceView) -> bool:
    """Whether a watch event brings something to act on: an Instance seen for the first time
    (also at start-up), kopf's finalizer just added, a new spec (generation) or new annotations
    (the actions). The events of the operator's own status writes bring nothing.

    An Instance is left alone until kopf's finalizer is on it, so that kopf's write and a
    reconcile's never race to add it; deleting ones belong to kopf's delete handler.
    """
    if after.deleting or names.FINALIZER not in after.finalizers:
        return False
    if before is None or names.FINALIZER not in before.finalizers:
        return True
    return before.generation != after.generation or before.annotations != after.annotations


def read_peering(
    custom_api: Any, *, name: str, namespaces: Iterable[str]
) -> Callable[[], list[Mapping[str, Any]]]:
    """A reader of kopf's peering object(s) for :class:`ActivityGate`."""
    spaces = list(namespaces)

    def read() -> list[Mapping[str, Any]]:
        if not spaces:
            body = custom_api.get_cluster_custom_object(
                "kopf.dev", "v1", "clusterkopfpeerings", name
            )
            return [body.get("status") or {}]
        return [
            (
                custom_api.get_namespaced_custom_object(
                    "kopf.dev", "v1", ns, "kopfpeerings", name
                ).get("status")
                or {}
            )
            for ns in spaces
        ]

    return read
