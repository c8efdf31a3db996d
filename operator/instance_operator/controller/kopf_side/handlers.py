"""The kopf side: settings, and handlers that only hand work to the controller.

The operator is level-triggered: a reconcile compares the spec with the server, never with an
earlier spec. So kopf's create, update and resume handlers are not used: every watch event goes
to the controller, which queues a reconcile when the event brings something new (a new Instance,
spec or annotation; at start-up, every Instance). Problems with an Instance or its cloud become
conditions and timed retries inside the controller. Without change handlers, kopf needs no record
of the last handled spec, and keeping none saves a write to every created or changed Instance.

Only deletion is kopf's: its finalizer holds the Instance, and the delete handler waits with
kopf's own ``TemporaryError`` until the server is gone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import kopf
from kubernetes import client as k8s

from instance_operator.api import names
from instance_operator.controller.kopf_side.login import connection_info
from instance_operator.controller.runtime import Controller

log = logging.getLogger(__name__)

#: How long one deletion attempt waits for Nova before kopf retries it.
DELETE_WAIT = 120.0
#: How soon a deletion that the cloud refused, or that deletion protection holds, is retried.
#: Short, because the retry is also when a switch to ``deletionPolicy: Orphan`` or the removal of
#: the protection takes effect (kopf holds the object's other events while its delete handler runs
#: or waits).
DELETE_RETRY = 15.0
#: How often kopf looks again at a deletion that deletion protection holds: each look writes
#: kopf's progress annotation. Once the protection is removed, the server's deletion starts at
#: once (the operator sees the event); kopf releases the Instance at its next look.
HELD_RETRY = 60.0


def settings(
    *, peering_name: str, peering_lifetime: int, priority: int, standalone: bool
) -> kopf.OperatorSettings:
    s = kopf.OperatorSettings()
    s.persistence.finalizer = names.FINALIZER
    s.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=names.KOPF_PREFIX)
    s.persistence.diffbase_storage = NoDiffBase()
    s.posting.enabled = False  # the controller posts its own Events, with stable reasons
    # The resource is named exactly, so kopf need not watch CRDs cluster-wide (which would need
    # RBAC on customresourcedefinitions): least privilege.
    s.scanning.disabled = True
    s.peering.name = peering_name
    s.peering.priority = priority
    s.peering.lifetime = peering_lifetime
    s.peering.standalone = standalone
    # After its own patch (the finalizer, or progress while deleting) kopf waits this long for the
    # watch event that carries it before it trusts older events. With thousands of Instances the
    # stream lags for more than kopf's 5 s, and kopf would act on a stale body.
    s.persistence.consistency_timeout = 60
    s.watching.server_timeout = 600
    s.watching.client_timeout = 660
    s.watching.connect_timeout = 30
    s.networking.request_timeout = 60
    s.execution.max_workers = 4
    return s


def build_registry(
    controller: Controller, configuration: k8s.Configuration
) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()
    resource = (names.GROUP, names.VERSION, names.PLURAL)

    @kopf.on.login(id="login", registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return connection_info(configuration)

    @kopf.on.startup(id="startup", registry=registry)
    async def startup(**_: Any) -> None:
        controller.start(asyncio.get_running_loop())

    @kopf.on.cleanup(id="cleanup", registry=registry)
    async def cleanup(**_: Any) -> None:
        await asyncio.to_thread(controller.stop)

    @kopf.on.event(*resource, id="observe", registry=registry)
    def observe(event: kopf.RawEvent, **_: Any) -> None:
        controller.observe(event.get("type"), event["object"])

    @kopf.on.delete(*resource, id="finalize", registry=registry)
    async def finalize(uid: str, **_: Any) -> None:
        outcome = await controller.finalize(uid, timeout=DELETE_WAIT)
        if not outcome.done:
            # kopf sees no new event of this Instance while its handler runs, so a held deletion
            # returns; kopf runs the handler again only when the delay is over.
            delay = HELD_RETRY if outcome.held else DELETE_RETRY if outcome.failed else 5
            raise kopf.TemporaryError(outcome.message, delay=delay)

    @kopf.on.probe(id="pending_reconciles", registry=registry)
    def pending(**_: Any) -> int:
        return controller.queue.pending()

    return registry


class NoDiffBase(kopf.DiffBaseStorage):
    """kopf's record of the last handled spec, kept nowhere: only change handlers read it, and
    there are none (see the module docstring). kopf then sees every event as a creation with no
    handler to run, and writes nothing for it."""

    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence | None:
        return None

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        return None
