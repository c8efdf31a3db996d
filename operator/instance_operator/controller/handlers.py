"""The kopf side: settings, and handlers that only hand work to the controller.

Create, resume and update share one idempotent function: each asks for a reconcile of the Instance
and waits for it on the event loop, never on a thread. The handler never fails for a problem with
the Instance or its cloud (those become conditions and timed retries inside the controller), so
kopf records the change as handled and does not spend two PATCHes per retry on its progress
annotations. Only deletion waits with kopf's own ``TemporaryError``, because kopf holds the
finalizer until the server is gone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import kopf
from kubernetes import client as k8s

from instance_operator.api import names
from instance_operator.controller.login import connection_info
from instance_operator.controller.runtime import Controller

log = logging.getLogger(__name__)

#: How long one deletion attempt waits for Nova before kopf retries it.
DELETE_WAIT = 120.0
#: How soon a deletion that the cloud refused is retried. Short, because the retry is also when a
#: switch to ``deletionPolicy: Orphan`` takes effect (kopf holds the object's other events while
#: its delete handler runs or waits).
DELETE_RETRY = 15.0


def settings(
    *, peering_name: str, peering_lifetime: int, priority: int, standalone: bool
) -> kopf.OperatorSettings:
    s = kopf.OperatorSettings()
    s.persistence.finalizer = names.FINALIZER
    s.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=names.KOPF_PREFIX)
    s.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=names.KOPF_PREFIX, key="last-handled-configuration"
    )
    s.posting.enabled = False  # the controller posts its own Events, with stable reasons
    # The resource is named exactly, so kopf need not watch CRDs cluster-wide (which would need
    # RBAC on customresourcedefinitions): least privilege.
    s.scanning.disabled = True
    s.peering.name = peering_name
    s.peering.priority = priority
    s.peering.lifetime = peering_lifetime
    s.peering.standalone = standalone
    # After its own patch kopf waits this long for the watch event that carries it before it
    # trusts older events. With thousands of Instances the stream lags for more than kopf's 5 s,
    # and kopf would then take our status write's event (older than its annotation) for a new
    # creation: run the create handler again and patch again.
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

    @kopf.on.resume(*resource, id="reconcile", registry=registry)
    @kopf.on.create(*resource, id="reconcile", registry=registry)
    @kopf.on.update(*resource, id="reconcile", registry=registry)
    async def reconcile(uid: str, **_: Any) -> None:
        await controller.reconcile(uid)

    @kopf.on.delete(*resource, id="finalize", registry=registry)
    async def finalize(uid: str, **_: Any) -> None:
        outcome = await controller.finalize(uid, timeout=DELETE_WAIT)
        if not outcome.done:
            raise kopf.TemporaryError(outcome.message, delay=DELETE_RETRY if outcome.failed else 5)

    @kopf.on.probe(id="pending_reconciles", registry=registry)
    def pending(**_: Any) -> int:
        return controller.queue.pending()

    return registry
