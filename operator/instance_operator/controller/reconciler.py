"""One reconcile pass for one Instance: bring its server in line with the spec, mirror it in status.

Called on a worker thread, one Instance at a time, by the work queue (for kopf's create, resume and
update, and for the watcher's server changes alike), so every path is the same idempotent function:
it reads the freshest Instance and server, does what is missing, writes status only if it changed,
and says when to look again. Failures never escape: they become a condition, an Event and a retry
delay (minutes for what the user must fix, a jittered backoff for the rest).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from instance_operator.api.models import (
    IMMUTABLE_FIELDS,
    CloudCredentialsRef,
    InstanceSpec,
    Phase,
    PowerPolicy,
    check_user_data_size,
)
from instance_operator.api.names import Action
from instance_operator.api.validation import InvalidSpec, validate_spec
from instance_operator.controller import conditions, status
from instance_operator.controller.action_runner import ActionRunner
from instance_operator.controller.actuator import Actuator
from instance_operator.controller.clouds import Access, CloudAccess, SecretCache
from instance_operator.controller.conditions import Health, Problem
from instance_operator.controller.config import OperatorConfig
from instance_operator.controller.context import Pass
from instance_operator.controller.errors import UserError, classify, retry_after
from instance_operator.controller.holds import Holds
from instance_operator.controller.in_flight import InFlight
from instance_operator.controller.kube import Kube
from instance_operator.controller.logcontext import set_server
from instance_operator.controller.observed import Observed
from instance_operator.controller.phases import is_busy, is_gone, is_unreachable, phase_of
from instance_operator.controller.reasons import Reason
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.sessions import ScopeSession, Sessions
from instance_operator.controller.telemetry import Telemetry
from instance_operator.controller.watcher import ScopeWatcher
from instance_operator.controller.writer import Recorder, StatusWriter

log = logging.getLogger(__name__)

#: How long a pass waits for its scope's first full listing before reading servers one by one.
SYNC_WAIT = 20.0
#: Ready's message ends with this while the cloud's certificates are not verified.
INSECURE_NOTE = (
    "Warning: cloud {cloud} is used without TLS certificate verification (insecure: true or "
    "verify: false); put its CA bundle in the Secret's cacert key instead."
)
#: How long the watcher polls fast after the operator changed a server: until it has seen the
#: change begin. From then on the server's own transition (BUILD, a task) keeps it polling fast.
HURRY = 10.0
#: Nova shows VERIFY_RESIZE until a confirm is done, which can take a while (the source host cleans
#: up): a server confirmed less than this ago is waited for, not confirmed again (a second confirm
#: is refused, 400 while the first runs and 409 once it is done).
CONFIRM_PATIENCE = 300.0

_ACTIVITIES = {
    Phase.BUILDING: Reason.BUILDING,
    Phase.REBOOTING: Reason.REBOOTING,
    Phase.RESIZING: Reason.RESIZING,
}
_TASK_ACTIVITIES = {"powering-on": Reason.STARTING, "powering-off": Reason.STOPPING}

#: User errors that something outside the Instance may fix (a flavor added, quota freed), so they
#: are retried slowly. The others wait for a spec change or a server change to be looked at again.
RETRIED_USER_ERRORS = frozenset(Reason) - {
    Reason.INVALID_SPEC,
    Reason.IMMUTABLE_FIELD_CHANGED,
    Reason.SERVER_ERROR,
    Reason.SERVER_LOST,
    Reason.TRANSIENT_ERROR,
}


#: Phases in which Nova walks through several task states that users need not see one by one.
TRANSITIONS = frozenset({Phase.BUILDING.value, Phase.REBOOTING.value, Phase.RESIZING.value})
#: What may change inside a transition without being worth a write of its own.
PROGRESS_KEYS = frozenset(
    {
        "taskState",
        "powerState",
        "serverStatus",
        "addresses",
        "flavorID",
        "flavorName",
        "imageID",
        "serverName",
        "conditions",
    }
)


def only_progress(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when ``new`` differs from ``old`` only by Nova's progress inside one transition
    (``scheduling`` -> ``networking`` -> ``spawning``...). Such changes are not written: the phase
    and every condition's status are the same, and the end of the transition is written anyway.
    This keeps an Instance at four writes from apply to Ready, however many steps Nova takes."""
    if new.get("phase") not in TRANSITIONS or old.get("phase") != new.get("phase"):
        return False
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    return changed <= PROGRESS_KEYS and _condition_states(old) == _condition_states(new)


def _condition_states(status: dict[str, Any]) -> dict[str, str]:
    return {c.get("type", ""): c.get("status", "") for c in status.get("conditions") or []}


def default_server_name(view: InstanceView) -> str:
    return f"{view.ref.namespace}-{view.ref.name}"[:255]


def spec_digests(spec: dict[str, Any]) -> dict[str, str]:
    """Short digests of the immutable fields as written (absent fields included, as "-")."""
    out = {}
    for field in IMMUTABLE_FIELDS:
        value = spec.get(field)
        text = (
            json.dumps(value, sort_keys=True, separators=(",", ":")) if value is not None else "-"
        )
        out[field] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def changed_immutable_fields(status: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    """Immutable fields whose digest differs from the one recorded at creation; none when
    nothing was recorded."""
    recorded = status.get("specDigests")
    if not recorded:
        return []
    current = spec_digests(dict(spec))
    return [f for f in IMMUTABLE_FIELDS if recorded.get(f) != current[f]]


#: The server lives where these credentials pointed at creation.
CREDENTIALS_FIELD = "cloudCredentialsRef"


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
        access: CloudAccess,
        secrets: SecretCache,
        sessions: Sessions,
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
        self._access = access
        self._secrets = secrets
        self._sessions = sessions
        self._holds = holds
        self._config = config
        self._telemetry = telemetry
        self._clock = clock
        self._now = now
        self._mutated: dict[str, float] = {}
        #: Server ID -> when its resize was confirmed, while Nova may still show VERIFY_RESIZE.
        self._confirmed: dict[str, float] = {}
        self._confirmed_lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._in_flight = InFlight(in_flight_wait)

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
        self._mutated.pop(uid, None)
        self._failures.pop(uid, None)
        self._writer.forget(uid)
        self._recorder.resolved(uid)

    def mutated(self, uid: str) -> None:
        self._mutated[uid] = self._clock()

    def last_mutation(self, uid: str) -> float:
        return self._mutated.get(uid, float("-inf"))

    # --- helpers for the finalizer and the runner -------------------------------------------------

    def open(
        self, view: InstanceView, credentials: CloudCredentialsRef
    ) -> tuple[Access, ScopeSession, Actuator]:
        """The Instance's cloud, its scope's session, and the actuator of its credentials."""
        access = self._access.open(view.ref.namespace, credentials)
        self._registry.assign_scope(view.uid, access.scope)
        session, actuator = self._sessions.open(access)
        return access, session, actuator

    def locate(self, p: Pass, session: ScopeSession, actuator: Actuator) -> Observed | None:
        """The Instance's server as fresh as the last change made to it: from the watcher when
        its observation is newer than that change, else asked of Nova; found by tag (asked of Nova,
        never of a cache) if the status does not know its ID yet, e.g. a create whose ID was
        never recorded."""
        server_id = p.status.get("serverID")
        if server_id is None:
            found = session.lookup.find(p.uid)
            if found is not None:
                p.status["serverID"] = found.id
                self._registry.link_server(p.uid, found.id)
                p.event(
                    "Normal",
                    Reason.ADOPTED,
                    f"Found server {found.name} ({found.id}) tagged for this Instance; adopting it.",
                )
            return found
        watcher = session.watcher
        observed = watcher.observation(server_id)
        if observed is None or observed.seen_at < self.last_mutation(p.uid):
            observed = actuator.get(server_id, self._clock())
            if observed is not None:
                watcher.record(observed)
        return observed

    # --- the live Instance -----------------------------------------------------------------------

    def _live(self, p: Pass, spec: InstanceSpec) -> None:
        if p.status.get("serverID") and CREDENTIALS_FIELD in self._check_immutable(p):
            # Under other credentials the server may seem gone: never call it Lost, never act.
            return
        access, session, actuator = self.open(p.view, spec.cloud_credentials_ref)
        watcher = session.watcher
        if access.insecure:
            p.notes.append(INSECURE_NOTE.format(cloud=access.cloud_name))
        watcher.wait_synced(SYNC_WAIT)
        server = self.locate(p, session, actuator)
        if server is not None:
            set_server(server.id)
        if server is None and p.status.get("serverID") is None:
            self._create(p, spec, watcher, actuator)
        elif server is None or is_gone(server.status):
            self._lost(p)
        else:
            self._converge(p, spec, watcher, actuator, server)

    def _create(
        self, p: Pass, spec: InstanceSpec, watcher: ScopeWatcher, actuator: Actuator
    ) -> None:
        # Never a server for an Instance that could be deleted without cleaning it up. kopf adds
        # the finalizer first; if its write failed, kopf waits for another event that may not come.
        self._kube.add_finalizer(p.ref, p.view.resource_version, p.view.finalizers)
        self._holds.require_credentials(p.view)  # and never one whose credentials may vanish first
        name = spec.server_name or default_server_name(p.view)
        created = actuator.create(p.ref, spec, name=name, user_data=self._user_data(p.view, spec))
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
        p.status.update(
            serverID=server_id,
            serverName=name,
            phase=Phase.BUILDING.value,
            specDigests=spec_digests(dict(p.view.spec)),
        )
        p.activity = Reason.CREATING
        p.event("Normal", Reason.CREATED, f"Created server {name} ({server_id}).")
        self._runner(actuator).run(p, None, power_policy=spec.power_state, server_name=name)

    def _user_data(self, view: InstanceView, spec: InstanceSpec) -> bytes | None:
        if spec.user_data is None:
            return None
        if spec.user_data.inline is not None:
            return spec.user_data.inline.encode()
        ref = spec.user_data.secret_ref
        assert ref is not None
        secret = self._secrets.get((view.ref.namespace, ref.name))
        where = f"spec.userData.secretRef: Secret {view.ref.namespace}/{ref.name}"
        if secret is None:
            raise UserError(Reason.SECRET_NOT_FOUND, f"{where} does not exist.")
        if ref.key not in secret.data:
            raise UserError(Reason.SECRET_KEY_MISSING, f"{where} has no key {ref.key!r}.")
        data = secret.data[ref.key]
        try:
            check_user_data_size(data)
        except ValueError as exc:
            raise UserError(Reason.USER_DATA_TOO_LARGE, f"{where}: {exc}") from None
        return data

    def _lost(self, p: Pass) -> None:
        for key in status.MIRRORED_KEYS:
            if key not in ("serverID", "serverName"):
                p.status.pop(key, None)
        p.status["phase"] = Phase.LOST.value
        p.problem = Problem(
            Reason.SERVER_LOST,
            f"Server {p.status.get('serverID')} no longer exists: it was deleted outside the operator,"
            " which does not re-create it on its own. Delete this Instance, or delete and re-apply it"
            " to get a new server.",
            transient=False,
        )

    def _converge(
        self,
        p: Pass,
        spec: InstanceSpec,
        watcher: ScopeWatcher,
        actuator: Actuator,
        server: Observed,
    ) -> None:
        name = spec.server_name or default_server_name(p.view)
        if is_unreachable(server.status):
            self._unreachable(p, server)
            self._runner(actuator).run(p, server, power_policy=spec.power_state, server_name=name)
            return
        if not is_busy(server.status, server.task_state) and server.status != "ERROR":
            changed = actuator.converge(p.ref, spec, server, name=name)
            if changed:
                p.event("Normal", Reason.UPDATED, f"Updated the server's {', '.join(changed)}.")
                server = actuator.get(server.id, self._clock()) or server
                watcher.record(server)
        self._resize(p, spec, watcher, actuator, server)
        self._enforce_power(p, spec, watcher, actuator, server)
        self._mirror(p, actuator, server)
        self._runner(actuator).run(p, server, power_policy=spec.power_state, server_name=name)
        if p.called:
            watcher.hurry(HURRY)

    def _unreachable(self, p: Pass, server: Observed) -> None:
        """Nova cannot reach the server's cell. Nothing is sent to the server and nothing in the
        spec is applied; the last known addresses, flavor and image stay in status, for Nova's
        partial record lacks them. The watcher lists the scope in full while a server is in this
        state, so the pass after the cell comes back converges whatever was asked meanwhile."""
        if p.status.get("serverStatus") != server.status:
            p.event(
                "Warning",
                Reason.SERVER_UNKNOWN,
                f"Nova cannot reach the cell of server {server.id} (status UNKNOWN); the operator"
                " changes nothing on it until Nova can, and then applies the spec.",
            )
        p.status["phase"] = Phase.UNKNOWN.value
        p.status["serverStatus"] = server.status
        p.status.pop("taskState", None)
        p.problem = Problem(
            Reason.SERVER_UNKNOWN,
            f"Nova cannot reach the cell of server {server.id} (status UNKNOWN). The operator"
            " changes nothing on the server until Nova can; spec changes and actions wait.",
            transient=True,
        )

    def _check_immutable(self, p: Pass) -> list[str]:
        """The immutable fields changed since the server was created (a Degraded problem)."""
        if not p.status.get("specDigests"):  # adopted from an earlier version: start from here
            p.status["specDigests"] = spec_digests(dict(p.view.spec))
            return []
        changed = changed_immutable_fields(p.status, p.view.spec)
        if changed:
            fields = ", ".join(f"spec.{f}" for f in changed)
            p.problem = Problem(
                Reason.IMMUTABLE_FIELD_CHANGED,
                f"{fields} changed after the server was created and cannot change in place (is the"
                " CRD up to date?). Revert the change, or create a new Instance; the server is left"
                " as it is.",
                transient=False,
            )
        return changed

    def _resize(
        self,
        p: Pass,
        spec: InstanceSpec,
        watcher: ScopeWatcher,
        actuator: Actuator,
        server: Observed,
    ) -> None:
        wanted = actuator.resolver.flavor(spec.flavor)
        current = (
            server.flavor_id == wanted.id if server.flavor_id else server.flavor_name == wanted.name
        )
        if self._confirming(server):
            p.activity = Reason.RESIZING  # Nova is still confirming
        elif server.status == "VERIFY_RESIZE":
            actuator.confirm_resize(server.id)
            with self._confirmed_lock:
                now = self._clock()
                self._confirmed = {  # servers deleted meanwhile leave no entry behind for long
                    sid: at for sid, at in self._confirmed.items() if now - at < CONFIRM_PATIENCE
                }
                self._confirmed[server.id] = now
            self._called(p, watcher, Reason.RESIZING)
            if current:
                p.event("Normal", Reason.RESIZED, f"Resized the server to flavor {wanted.name}.")
        elif (
            not current
            and server.status in ("ACTIVE", "SHUTOFF")
            and server.task_state is None
            and not p.called
        ):
            actuator.resize(server.id, wanted.id)
            self._called(p, watcher, Reason.RESIZING)
            p.event("Normal", Reason.RESIZING, f"Resizing the server to flavor {wanted.name}.")
        elif not current:
            p.activity = Reason.RESIZING

    def _confirming(self, server: Observed) -> bool:
        """Whether a confirm of this server's resize went out lately and Nova still shows it."""
        with self._confirmed_lock:
            if server.status != "VERIFY_RESIZE":
                self._confirmed.pop(server.id, None)
                return False
            confirmed = self._confirmed.get(server.id)
        return confirmed is not None and self._clock() - confirmed < CONFIRM_PATIENCE

    def _enforce_power(
        self,
        p: Pass,
        spec: InstanceSpec,
        watcher: ScopeWatcher,
        actuator: Actuator,
        server: Observed,
    ) -> None:
        if p.called or server.task_state is not None:
            return
        if spec.power_state is PowerPolicy.RUNNING and server.status == "SHUTOFF":
            actuator.act(Action.START, server.id, image_name="", ref=p.ref)
            self._called(p, watcher, Reason.STARTING)
            p.event("Normal", Reason.STARTED, "Started the server: spec.powerState is Running.")
        elif spec.power_state is PowerPolicy.STOPPED and server.status == "ACTIVE":
            actuator.act(Action.STOP, server.id, image_name="", ref=p.ref)
            self._called(p, watcher, Reason.STOPPING)
            p.event("Normal", Reason.STOPPED, "Stopped the server: spec.powerState is Stopped.")

    def _called(self, p: Pass, watcher: ScopeWatcher, activity: Reason) -> None:
        """A call that changes the server went out: only later observations count as evidence,
        the watcher polls fast until it sees the change, and no second call goes out this pass."""
        self.mutated(p.uid)
        watcher.hurry(HURRY)
        p.called = True
        p.activity = activity

    def _mirror(self, p: Pass, actuator: Actuator, server: Observed) -> None:
        flavor_id, flavor_name = server.flavor_id, server.flavor_name
        names = actuator.resolver.flavor_names()
        if flavor_id is None and flavor_name is not None:
            flavor_id = next((i for i, n in names.items() if n == flavor_name), None)
        elif flavor_name is None and flavor_id is not None:
            flavor_name = names.get(flavor_id)
        for key in status.MIRRORED_KEYS:
            if key != "serverID":
                p.status.pop(key, None)
        p.status.update(status.mirrored(server, flavor_id=flavor_id, flavor_name=flavor_name))
        phase = phase_of(server.status, server.task_state)
        p.activity = (
            p.activity or _ACTIVITIES.get(phase) or _TASK_ACTIVITIES.get(server.task_state or "")
        )
        if phase is Phase.ERROR and p.problem is None:
            fault = f" Nova's fault: {server.fault_message}" if server.fault_message else ""
            p.problem = Problem(
                Reason.SERVER_ERROR,
                f"The server is in ERROR.{fault} A hard reboot (annotation instance-operator.dev/hard-reboot)"
                " may recover it; the operator keeps watching.",
                transient=False,
            )

    def _runner(self, actuator: Actuator) -> ActionRunner:
        return ActionRunner(
            actuator,
            flush=self._flush,
            mutated=self.mutated,
            last_mutation=self.last_mutation,
            fast_poll=self._config.fast_poll_interval,
            finished=self._telemetry.action_finished,
            in_flight=self._in_flight,
            clock=self._clock,
        )

    # --- ending a pass ---------------------------------------------------------------------------

    def _fail(self, p: Pass, exc: Exception, *, cloud: str) -> None:
        problem = classify(exc, cloud=cloud)
        p.problem = problem
        if problem.transient:
            failures = self._failures.get(p.uid, 0) + 1
            self._failures[p.uid] = failures
            backoff = min(
                self._config.transient_retry_max,
                self._config.transient_retry_min * 2 ** (failures - 1),
            )
            delay = retry_after(exc) or backoff * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not crypto)
            p.problem = Problem(
                problem.reason, f"{problem.message} Retrying in {delay:.0f} s.", transient=True
            )
            p.soon(delay)
            log.warning("%s", p.problem.message)
        elif not isinstance(exc, UserError):
            log.info("%s", problem.message)

    def _flush(self, p: Pass) -> None:
        """Write the status as it stands (for the write-ahead of an action)."""
        self._writer.write(p.view, self._with_conditions(p))

    def _with_conditions(self, p: Pass) -> dict[str, Any]:
        """Every pass ends having looked at the current generation: ``observedGeneration`` says so,
        and the conditions say with which outcome (kstatus reads them only when the two agree)."""
        phase_value = p.status.get("phase")
        phase = Phase(phase_value) if phase_value else Phase.PENDING
        p.status["phase"] = phase.value
        p.status["observedGeneration"] = p.view.generation
        applied = p.activity is None and p.problem is None
        health = Health(
            phase=phase,
            spec_applied=applied,
            activity=p.activity,
            problem=p.problem,
            notes=tuple(p.notes),
        )
        previous = p.status.get("conditions") or []
        p.status["conditions"] = conditions.compute(health, p.view.generation, previous, p.now)
        return p.status

    def _settle(self, p: Pass) -> Result:
        if p.problem is None or not p.problem.transient:
            self._failures.pop(p.uid, None)
        if p.problem is not None and p.problem.reason in RETRIED_USER_ERRORS:
            p.soon(self._config.user_error_retry)
        final = self._with_conditions(p)
        if not only_progress(self._writer.current(p.view), final):
            self._writer.write(p.view, final)
        for kind, reason, message in p.events:
            if kind == "Warning":
                self._recorder.warning(p.ref, reason, message)
            else:
                self._recorder.normal(p.ref, reason, message)
        if p.problem is None:
            self._recorder.resolved(p.uid)
        elif not p.problem.transient or self._failures.get(p.uid) == 1:
            self._recorder.warning(p.ref, p.problem.reason, p.problem.message)
        return Result(p.requeue, _outcome(p))
