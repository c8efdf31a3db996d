"""The controller as one object: the pieces wired together, and the entry points kopf calls.

kopf's handlers (``kopf_side/handlers.py``) stay thin: every watch event updates the registry,
and one that asks for work hands the Instance's UID to the work queue, whose worker threads make
the OpenStack and Kubernetes calls; deletion awaits its result on the event loop. Besides the
queue, these background threads belong here: each open scope session's watcher and tag lookup
(``observe/sessions.py``), the Secret poller, the release of in-use finalizers
(``reconcile/holds.py``) and, with peering, the activity gate.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError as TransportError

from instance_operator.api import names
from instance_operator.api.models import Phase
from instance_operator.controller.config import OperatorConfig
from instance_operator.controller.kopf_side.finalizer_sweep import FinalizerSweep
from instance_operator.controller.kopf_side.peering import ActivityGate
from instance_operator.controller.kube import Kube
from instance_operator.controller.observe.scope_watcher import Timing
from instance_operator.controller.observe.sessions import Sessions
from instance_operator.controller.reconcile.credentials import CloudAccess, SecretCache
from instance_operator.controller.reconcile.finalizer import Finalizer, Outcome
from instance_operator.controller.reconcile.holds import Held, Holds
from instance_operator.controller.reconcile.locator import ServerLocator
from instance_operator.controller.reconcile.reconciler import Reconciler
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.status.writer import Recorder, StatusWriter
from instance_operator.controller.telemetry.log_context import install as install_log_context
from instance_operator.controller.telemetry.log_context import log_context
from instance_operator.controller.telemetry.reporter import NoTelemetry, Telemetry
from instance_operator.controller.workqueue import WorkQueue
from instance_operator.openstack.cloud import CloudPool
from instance_operator.openstack.metrics import MetricsHook
from instance_operator.openstack.settings import Settings

log = logging.getLogger(__name__)


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
        install_log_context()
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
        self.holds = Holds(kube, self.registry, role_binding=config.role_binding)
        #: Finalizers to remove from Secrets and RoleBindings that may no longer be needed.
        self.releases: WorkQueue[Held] = WorkQueue(self._release, workers=1, name="holds")
        self.sessions = Sessions(
            self.registry,
            Timing(config.poll_interval, config.fast_poll_interval, config.resync_interval),
            enqueue=self.queue.add,
            active=self.active,
            lookup_ttl=config.lookup_cache_ttl,
            polled=self.telemetry.polled,
        )
        self.locator = ServerLocator(
            self.registry,
            CloudAccess(self.secrets, self.clouds),
            self.sessions,
            clock=time.monotonic,
        )
        self.reconciler = Reconciler(
            registry=self.registry,
            kube=kube,
            writer=self.writer,
            recorder=self.recorder,
            locator=self.locator,
            secrets=self.secrets,
            holds=self.holds,
            # A call whose answer was lost may still be on its way for as long as the client waits.
            in_flight_wait=settings.longest_call,
            config=config,
            telemetry=self.telemetry,
        )
        self.finalizer = Finalizer(
            self.locator, self.registry, self.writer, self.recorder, clock=time.monotonic
        )
        self.sweep = FinalizerSweep(
            self.registry, read=kube.get_instance, enqueue=self.queue.add, clock=time.monotonic
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
        self.releases.start()
        # A RoleBinding kept for Instances deleted while no operator ran is released here.
        for held in self.holds.bindings(self.config.namespaces):
            self.releases.add(held)
        self._poller.start()

    def stop(self) -> None:
        self._stopped.set()
        self.queue.stop()
        self.releases.stop()
        self.sessions.stop()
        if self.gate is not None:
            self.gate.stop()
        self._poller.join(5)
        self.clouds.close()

    def became_active(self) -> None:
        """After a pause another replica may have written status: forget what was written here."""
        self.writer.reset()
        self.holds.reset()
        for view in self.registry.all():
            self.queue.add(view.uid)

    # --- what kopf calls (on the event loop) -----------------------------------------------------

    def observe(self, event_type: str | None, body: Mapping[str, Any]) -> None:
        uid = body.get("metadata", {}).get("uid")
        if not uid:
            return
        if event_type == "DELETED":
            self.sweep.forget(uid)
            self.registry.remove(uid)
            self.queue.forget(uid)
            self.reconciler.forget(uid)
            self._outcomes.pop(uid, None)
            self._deletions.pop(uid, None)
            self.sessions.prune()
            for held in self.holds.gone(body):
                self.releases.add(held)
        else:
            self.sweep.seen(uid)
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
        while outcome.waits_for_the_server:
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
        finished = self._outcomes.get(uid)
        if view.deleting and finished is not None and finished.done:
            return None  # kopf is releasing it; the credentials may be gone already
        started = time.monotonic()
        with log_context(view.ref):
            try:
                self.holds.take(view)
                if not view.deleting:
                    result = self.reconciler.reconcile(uid)
                    self.telemetry.reconciled(
                        "reconcile", result.outcome, time.monotonic() - started
                    )
                    return result.requeue
                outcome = self.finalizer.finalize(uid)
                if outcome.done:
                    self.holds.finished(view)
            # The Kubernetes API refused or dropped a write, or could not be reached at all (an
            # API server restarting refuses connections): soon again, as for a conflict.
            except (ApiException, TransportError) as exc:
                delay = random.uniform(1.0, 3.0)  # noqa: S311 (jitter, not crypto)
                log.warning("Kubernetes API: %s; retrying in %.0f s", _kube_failure(exc), delay)
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

    def _release(self, held: Held) -> float | None:
        if not self.active():  # a standby writes nothing; it looks again later
            return self.config.secret_poll_interval
        return self.holds.settle(held)

    # --- what the metrics read ------------------------------------------------------------------

    def phases(self) -> list[Phase | None]:
        return [view.status.phase for view in self.registry.all()]

    def watcher_lags(self) -> list[tuple[str, float]]:
        return [(s.scope, s.watcher.seconds_since_success()) for s in self.sessions.all()]

    def _poll_secrets(self) -> None:
        """Secrets can only be read (not watched): re-read those in use, wake their Instances.
        The same beat sweeps up Instances that kopf dropped (see ``kopf_side/finalizer_sweep.py``)."""
        while not self._stopped.wait(self.config.secret_poll_interval):
            if not self.active():
                continue
            try:
                self.sweep.run()
                self._refresh_secrets()
            except Exception:  # this thread must outlive a bad round (the API down, a bug)
                log.exception(
                    "The Secret poll failed; trying again in %s s", self.config.secret_poll_interval
                )

    def _refresh_secrets(self) -> None:
        for key in self.secrets.refresh(self.registry.secrets()):
            self.holds.forget("secrets", *key)
            # As for watch events, an Instance is left alone until kopf's finalizer is on it (a
            # Secret changes on its own too: the operator's in-use finalizer, added or removed).
            users = [v for v in self.registry.using_secret(key) if names.FINALIZER in v.finalizers]
            if users:
                log.info("Secret %s/%s changed: reconciling %d Instance(s)", *key, len(users))
            for view in users:
                self.queue.add(view.uid)


def _kube_failure(exc: ApiException | TransportError) -> str:
    if isinstance(exc, ApiException):
        return f"{exc.status} {exc.reason}"
    return f"not reachable ({exc})"


def asks_for_work(before: InstanceView | None, after: InstanceView) -> bool:
    """Whether a watch event brings something to act on: an Instance seen for the first time
    (also at start-up), kopf's finalizer just added, a new spec (generation) or new annotations
    (the actions). The events of the operator's own status writes bring nothing.

    An Instance is left alone until kopf's finalizer is on it, so that kopf's write and a
    reconcile's never race to add it; deleting ones belong to kopf's delete handler, which is
    woken only when the deletion protection holding it is taken off.
    """
    if names.FINALIZER not in after.finalizers:
        return False
    if after.deleting:
        return before is not None and before.protected and not after.protected
    if before is None or names.FINALIZER not in before.finalizers:
        return True
    return before.generation != after.generation or before.annotations != after.annotations


def read_peering(
    custom_api: Any, *, name: str, namespaces: Iterable[str]
) -> Callable[[], list[Mapping[str, Any]]]:
    """A reader of kopf's peering object(s) for :class:`ActivityGate`. A watched namespace with
    no peering object (none made, or the namespace deleted) has no peers to count: kopf itself
    takes a missing object so."""
    spaces = list(namespaces)

    def read() -> list[Mapping[str, Any]]:
        if not spaces:
            found = _peering(
                lambda: custom_api.get_cluster_custom_object(
                    "kopf.dev", "v1", "clusterkopfpeerings", name
                )
            )
            return [found] if found is not None else []
        statuses = [
            _peering(
                functools.partial(
                    custom_api.get_namespaced_custom_object,
                    "kopf.dev",
                    "v1",
                    ns,
                    "kopfpeerings",
                    name,
                )
            )
            for ns in spaces
        ]
        return [status for status in statuses if status is not None]

    return read


def _peering(get: Callable[[], Any]) -> Mapping[str, Any] | None:
    """The object's ``status``, or ``None`` when there is no such object (404)."""
    try:
        body = get()
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    status: Mapping[str, Any] = body.get("status") or {}
    return status
