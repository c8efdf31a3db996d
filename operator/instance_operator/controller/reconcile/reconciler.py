"""One reconcile pass for one Instance: bring its server in line with the spec, mirror it in status.

Called on a worker thread, one Instance at a time, by the work queue (for every new Instance, spec
or annotation kopf's watch brings, and for the watcher's server changes alike), so every path is
the same idempotent function: it reads the freshest Instance and server, does what is missing,
writes status only if it changed, and says when to look again. Failures never escape: they become a condition, an Event and a retry
delay (minutes for what the user must fix, a jittered backoff for the rest).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from instance_operator.api.models import (
    InstanceSpec,
    ManagementPolicy,
    Phase,
    ServerGroupRef,
)
from instance_operator.api.validation import InvalidSpec, validate_spec
from instance_operator.controller.actions.in_flight import InFlight
from instance_operator.controller.actions.runner import ActionRunner
from instance_operator.controller.config import OperatorConfig
from instance_operator.controller.kube import Kube
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.scope_watcher import ScopeWatcher
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.adoption import Adoption, differences
from instance_operator.controller.reconcile.credentials import (
    SecretCache,
    user_data,
)
from instance_operator.controller.reconcile.failures import UserError, classify, retry_after
from instance_operator.controller.reconcile.holds import Holds
from instance_operator.controller.reconcile.immutability import (
    CREDENTIALS_FIELD,
    check_immutable,
    spec_digests,
)
from instance_operator.controller.reconcile.locator import ServerLocator
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.reconcile.reports import (
    explain_placement,
    mirror,
    report_lost,
    report_unreachable,
)
from instance_operator.controller.reconcile.server_changes import HURRY, ServerChanges
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.status.conditions import Problem
from instance_operator.controller.status.phases import is_busy, is_gone, is_unreachable
from instance_operator.controller.status.progress import only_progress
from instance_operator.controller.status.reasons import Reason
from instance_operator.controller.status.writer import Recorder, StatusWriter
from instance_operator.controller.telemetry.log_context import set_server
from instance_operator.controller.telemetry.reporter import Telemetry
from instance_operator.openstack.errors import OpenStackError

log = logging.getLogger(__name__)

#: How long a pass waits for its scope's first full listing before reading servers one by one.
SYNC_WAIT = 20.0
#: Past this many doublings any sane minimum is above any sane maximum: the backoff is capped.
_MAX_DOUBLINGS = 32
#: Ready's message ends with this while the cloud's certificates are not verified.
INSECURE_NOTE = (
    "Warning: cloud {cloud} is used without TLS certificate verification (insecure: true or "
    "verify: false); put its CA bundle in the Secret's cacert key instead."
)
#: User errors that something outside the Instance may fix (a flavor added, quota freed), so they
#: are retried slowly. The others wait for a spec change or a server change to be looked at again.
RETRIED_USER_ERRORS = frozenset(Reason) - {
    Reason.INVALID_SPEC,
    Reason.IMMUTABLE_FIELD_CHANGED,
    Reason.SERVER_ERROR,
    Reason.SERVER_LOST,
    Reason.TRANSIENT_ERROR,
}


def default_server_name(view: InstanceView) -> str:
    return f"{view.ref.namespace}-{view.ref.name}"[:255]


@dataclass(frozen=True)
class Result:
    """When to look again, and how the pass ended (a bounded word, for metrics)."""

    requeue: float | None
    outcome: str


def _outcome(p: Pass) -> str:
    if p.problem is None:
        return "ok"
    return "transient_error" if p.problem.transient else "degraded"


class Reconciler:
    def __init__(
        self,
        *,
        registry: Registry,
        kube: Kube,
        writer: StatusWriter,
        recorder: Recorder,
        locator: ServerLocator,
        secrets: SecretCache,
        holds: Holds,
        in_flight_wait: float,
        config: OperatorConfig,
        telemetry: Telemetry,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._registry = registry
        self._kube = kube
        self._writer = writer
        self._recorder = recorder
        self._locator = locator
        self._secrets = secrets
        self._holds = holds
        self._config = config
        self._telemetry = telemetry
        self._clock = clock
        self._now = now
        self._changes = ServerChanges(clock=clock, mutated=locator.mutated)
        self._adoption = Adoption(registry, kube, clock=clock)
        self._failures: dict[str, int] = {}
        # A call whose answer was lost may still be on its way for ``in_flight_wait`` seconds.
        self._runner = ActionRunner(
            flush=lambda p: writer.write(p.view, p.final_status()),  # the write-ahead
            mutated=locator.mutated,
            last_mutation=locator.last_mutation,
            fast_poll=config.fast_poll_interval,
            finished=telemetry.action_finished,
            in_flight=InFlight(in_flight_wait),
            clock=clock,
        )

    # --- entry points ----------------------------------------------------------------------------

    def reconcile(self, uid: str) -> Result:
        view = self._registry.get(uid)
        if view is None or view.deleting:
            return Result(None, "skipped")
        p = Pass(
            view=view, status=self._writer.current(view), now=self._now(), started=self._clock()
        )
        try:
            spec = validate_spec(view.spec)
        except InvalidSpec as exc:
            p.problem = Problem(Reason.INVALID_SPEC, f"The spec is invalid: {exc}", transient=False)
            return self._settle(p)
        try:
            self._live(p, spec)
        except Exception as exc:
            self._fail(p, exc, cloud=spec.cloud_credentials_ref.cloud_name)
        return self._settle(p)

    def forget(self, uid: str) -> None:
        """The Instance is gone from the cluster: drop what was remembered about it."""
        self._locator.forget(uid)
        self._failures.pop(uid, None)
        self._writer.forget(uid)
        self._recorder.resolved(uid)

    # --- the live Instance -----------------------------------------------------------------------

    def _live(self, p: Pass, spec: InstanceSpec) -> None:
        if p.status.server_id and CREDENTIALS_FIELD in check_immutable(p):
            # Under other credentials the server may seem gone: never call it Lost, never act.
            return
        access, session, actuator = self._locator.open(p.view, spec.cloud_credentials_ref)
        watcher = session.watcher
        if access.insecure:
            p.notes.append(INSECURE_NOTE.format(cloud=access.cloud_name))
        watcher.wait_synced(SYNC_WAIT)
        server = self._locator.locate(p, session, actuator)
        if server is None and p.status.server_id is None:
            if spec.import_ is None and spec.management_policy is ManagementPolicy.MANAGED:
                self._create(p, spec, watcher, actuator)
                return
            server = self._adopt(p, spec, actuator)
            if server is None:
                return
            watcher.record(server)
        if server is not None:
            set_server(server.id)
        if server is None or is_gone(server.status):
            report_lost(p)
        else:
            self._converge(p, spec, watcher, actuator, server)

    def _adopt(self, p: Pass, spec: InstanceSpec, actuator: Actuator) -> Observed | None:
        """The server ``spec.import`` names, made this Instance's (never a new one)."""
        if spec.import_ is None:
            p.problem = Problem(
                Reason.UNMANAGED_WITHOUT_SERVER,
                "spec.managementPolicy is Unmanaged and this Instance has no server: the operator"
                " creates none. Set spec.import to observe an existing server, or set"
                " spec.managementPolicy to Managed to create one.",
                transient=False,
            )
            return None
        managed = spec.management_policy is ManagementPolicy.MANAGED
        if managed:
            # As before a create: the finalizer (to release the server) and the credentials.
            self._kube.add_finalizer(p.ref, p.view.resource_version, p.view.finalizers)
            self._holds.require_credentials(p.view)
        server = self._adoption.adopt(p, spec, actuator)
        if server is not None and managed:
            self._locator.mutated(p.uid)  # tagged: older observations miss the tag
        return server

    def _create(
        self, p: Pass, spec: InstanceSpec, watcher: ScopeWatcher, actuator: Actuator
    ) -> None:
        # Never a server for an Instance that could be deleted without cleaning it up. kopf adds
        # the finalizer first; if its write failed, kopf waits for another event that may not come.
        self._kube.add_finalizer(p.ref, p.view.resource_version, p.view.finalizers)
        self._holds.require_credentials(p.view)  # and never one whose credentials may vanish first
        name = spec.server_name or default_server_name(p.view)
        group = actuator.server_group(spec.server_group) if spec.server_group else None
        created = actuator.create(
            p.ref, spec, name=name, user_data=user_data(self._secrets, p.view, spec)
        )
        server_id = created.id
        set_server(server_id)
        log.info(
            "Created server %s [%s]",
            server_id,
            created.request_id,
            extra={"request_id": created.request_id},
        )
        # Not recorded as a mutation: an observation that shows the new server is later anyway.
        self._registry.link_server(p.uid, server_id)
        watcher.hurry(HURRY)
        p.status.server_id = server_id
        p.status.server_name = name
        p.status.phase = Phase.BUILDING
        p.status.spec_digests = spec_digests(dict(p.view.spec))
        p.status.server_group_id = group.id if group is not None else None
        p.activity = Reason.CREATING
        p.event("Normal", Reason.CREATED, f"Created server {name} ({server_id}).")
        self._runner.run(
            p, actuator, None, power_policy=spec.power_state, managed=True, server_name=name
        )

    def _converge(
        self,
        p: Pass,
        spec: InstanceSpec,
        watcher: ScopeWatcher,
        actuator: Actuator,
        server: Observed,
    ) -> None:
        # An imported server keeps its own name unless the spec gives one.
        name = spec.server_name or (None if spec.import_ else default_server_name(p.view))
        managed = spec.management_policy is ManagementPolicy.MANAGED

        def run_actions() -> None:
            self._runner.run(
                p,
                actuator,
                server,
                power_policy=spec.power_state,
                managed=managed,
                server_name=name or server.name or server.id,
            )

        if is_unreachable(server.status):
            report_unreachable(p, server)
            run_actions()
            return
        if managed:
            if not is_busy(server.status, server.task_state) and server.status != "ERROR":
                changed = actuator.converge(p.ref, spec, server, name=name)
                if changed:
                    p.event("Normal", Reason.UPDATED, f"Updated the server's {', '.join(changed)}.")
                    server = actuator.get(server.id, self._clock()) or server
                    watcher.record(server)
            self._changes.resize(p, spec, watcher, actuator, server)
            self._changes.enforce_power(p, spec, watcher, actuator, server)
        mirror(p, server, actuator.resolver.flavor_names())
        if spec.import_ is not None:
            p.differences = differences(spec, server, actuator.resolver)
        elif spec.server_group is not None and (
            server.status == "ERROR" or not p.status.server_group_id
        ):
            self._place(p, spec.server_group, server, actuator)
        if server.server_groups is not None:  # Nova says (2.71+): no need to trust the spec
            p.status.server_group_id = server.server_groups[0] if server.server_groups else None
        run_actions()
        if p.called:
            watcher.hurry(HURRY)

    def _place(self, p: Pass, ref: ServerGroupRef, server: Observed, actuator: Actuator) -> None:
        """The group in status (also for a server found by its tag after a lost create answer),
        and why Nova could not place it. A group deleted since (Nova allows that) or a failed
        lookup changes neither the problem Nova's fault gives nor the rest of the pass."""
        try:
            group = actuator.resolver.server_group(ref)
        except (UserError, OpenStackError) as exc:
            log.info("Server group %s not looked up: %s", ref.name or ref.id, exc)
            return
        p.status.server_group_id = group.id
        if server.status == "ERROR":
            explain_placement(p, server, group)

    # --- ending a pass ---------------------------------------------------------------------------

    def _fail(self, p: Pass, exc: Exception, *, cloud: str) -> None:
        problem = classify(exc, cloud=cloud)
        p.problem = problem
        if problem.transient:
            failures = self._failures.get(p.uid, 0) + 1
            self._failures[p.uid] = failures
            # The exponent stops growing long before 2 ** 1024 (a float's end, 3.5 days out).
            doublings = min(failures - 1, _MAX_DOUBLINGS)
            backoff = min(
                self._config.transient_retry_max,
                self._config.transient_retry_min * 2**doublings,
            )
            delay = retry_after(exc) or backoff * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not crypto)
            p.problem = Problem(
                problem.reason, f"{problem.message} Retrying in {delay:.0f} s.", transient=True
            )
            p.soon(delay)
            log.warning("%s", p.problem.message)
        elif not isinstance(exc, UserError):
            log.info("%s", problem.message)

    def _settle(self, p: Pass) -> Result:
        if p.problem is None or not p.problem.transient:
            self._failures.pop(p.uid, None)
        if p.problem is not None and p.problem.reason in RETRIED_USER_ERRORS:
            p.soon(self._config.user_error_retry)
        final = p.final_status()
        # Events before the status: whoever sees the status change finds the Event that says why.
        for kind, reason, message in p.events:
            if kind == "Warning":
                self._recorder.warning(p.ref, reason, message)
            else:
                self._recorder.normal(p.ref, reason, message)
        if p.problem is None:
            self._recorder.resolved(p.uid)
        elif not p.problem.transient or self._failures.get(p.uid) == 1:
            self._recorder.warning(p.ref, p.problem.reason, p.problem.message)
        if not only_progress(self._writer.current(p.view), final):
            self._writer.write(p.view, final)
        return Result(p.requeue, _outcome(p))
