"""One reconcile pass, with fakes around the real Reconciler, StatusWriter and Recorder: what is
opened, created and reported for an invalid spec, a first pass, a lost server, changed credentials,
a transient failure's backoff, and which statuses are (not) written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from instance_operator.api.names import FINALIZER
from instance_operator.controller.config import OperatorConfig
from instance_operator.controller.kube import Kube
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile import reconciler as reconciler_module
from instance_operator.controller.reconcile.credentials import SecretCache
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.reconcile.holds import Holds
from instance_operator.controller.reconcile.immutability import spec_digests
from instance_operator.controller.reconcile.locator import ServerLocator
from instance_operator.controller.reconcile.reconciler import Reconciler, Result
from instance_operator.controller.registry import Registry
from instance_operator.controller.status.reasons import Reason
from instance_operator.controller.status.writer import Recorder, StatusWriter
from instance_operator.controller.telemetry.reporter import NoTelemetry
from instance_operator.openstack import errors as os_errors
from instance_operator.sandbox import example

SPEC = example("instance-minimal.yaml")["spec"]
BUILDING = Observed(
    id="s1", name="team-a-web-1", status="BUILD", task_state="scheduling", power_state=0,
    updated=None, created=None, addresses=(), flavor_id=None, flavor_name="m1.small",
    image_id=None, key_name=None, availability_zone=None, server_groups=None, fault_code=None, fault_message=None, tags=("iop-uid-u1",), metadata={},
    security_groups=(), seen_at=0.0,
)  # fmt: skip
UNAVAILABLE = os_errors.ServiceUnavailable(
    status_code=503, message="Service Unavailable", method="GET", url="servers/detail"
)


def merged(old: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386, as the API server applies a status patch."""
    out = dict(old)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


class FakeKube:
    """Under the real StatusWriter and Recorder: one ordered log of everything sent to the API."""

    def __init__(self, log: list[tuple[str, ...]]) -> None:
        self.log = log
        self.status: dict[str, Any] = {}
        self.patches: list[dict[str, Any]] = []
        self.finalizers: list[tuple[str, ...]] = []

    def add_finalizer(self, ref: Any, resource_version: str, finalizers: tuple[str, ...]) -> None:
        self.log.append(("finalizer",))
        self.finalizers.append((*finalizers, FINALIZER))

    def post_event(self, ref: Any, kind: str, reason: Reason, message: str) -> None:
        self.log.append(("event", kind, reason.value))

    def patch_status(self, ref: Any, patch: dict[str, Any]) -> dict[str, Any]:
        self.log.append(("status",))
        self.patches.append(patch)
        self.status = merged(self.status, patch)
        return {"metadata": {"name": ref.name, "uid": ref.uid}, "status": self.status}


class FakeHolds:
    def __init__(self, log: list[tuple[str, ...]]) -> None:
        self.log = log
        self.refused: UserError | None = None

    def require_credentials(self, view: Any) -> None:
        self.log.append(("hold",))
        if self.refused is not None:
            raise self.refused


class FakeActuator:
    """Nova for the pass, and its own name resolver (only m1.small exists)."""

    def __init__(self, log: list[tuple[str, ...]]) -> None:
        self.log = log
        self.resolver = self

    def create(self, ref: Any, spec: Any, *, name: str, user_data: bytes | None) -> Any:
        self.log.append(("create", name))
        return SimpleNamespace(id="s1", request_id="req-1")

    def converge(self, ref: Any, spec: Any, server: Observed, *, name: str) -> list[str]:
        return []  # the fields Nova keeps are not what this file is about

    def flavor(self, ref: Any) -> Any:
        return SimpleNamespace(id="f1", name="m1.small")

    def flavor_names(self) -> dict[str, str]:
        return {"f1": "m1.small"}


class FakeSession:
    """The scope's session and its watcher, already synced."""

    def __init__(self) -> None:
        self.watcher = self

    def wait_synced(self, timeout: float) -> bool:
        return True

    def hurry(self, seconds: float) -> None:
        pass

    def record(self, server: Observed) -> None:
        pass


class FakeLocator:
    def __init__(self, log: list[tuple[str, ...]], actuator: FakeActuator) -> None:
        self.log = log
        self.actuator = actuator
        self.server: Observed | None = None
        self.broken: Exception | None = None

    def open(self, view: Any, credentials: Any) -> tuple[Any, FakeSession, FakeActuator]:
        self.log.append(("open",))
        if self.broken is not None:
            raise self.broken
        return SimpleNamespace(insecure=False, cloud_name="mycloud"), FakeSession(), self.actuator

    def locate(self, p: Any, session: Any, actuator: Any) -> Observed | None:
        return self.server

    def mutated(self, uid: str) -> None:
        pass

    def last_mutation(self, uid: str) -> float:
        return float("-inf")


class Harness:
    def __init__(self, status: dict[str, Any] | None = None, **spec: Any) -> None:
        self.log: list[tuple[str, ...]] = []
        self.spec = {**SPEC, **spec}
        self.kube = FakeKube(self.log)
        self.kube.status = dict(status or {})  # what the API holds already
        self.holds = FakeHolds(self.log)
        self.locator = FakeLocator(self.log, FakeActuator(self.log))
        self.registry = Registry()
        self.registry.update(
            {
                "metadata": {"namespace": "team-a", "name": "web-1", "uid": "u1", "generation": 1},
                "spec": self.spec,
                "status": status or {},
            }
        )
        kube = cast(Kube, self.kube)
        self.config = OperatorConfig(transient_retry_min=1.0, transient_retry_max=300.0)
        self.reconciler = Reconciler(
            registry=self.registry,
            kube=kube,
            writer=StatusWriter(kube),
            recorder=Recorder(kube),
            locator=cast(ServerLocator, self.locator),
            secrets=cast(SecretCache, object()),  # no userData: never read
            holds=cast(Holds, self.holds),
            in_flight_wait=60.0,
            config=self.config,
            telemetry=NoTelemetry(),
            clock=lambda: 100.0,
            now=lambda: datetime(2025, 1, 1, tzinfo=UTC),
        )

    def reconcile(self) -> Result:
        return self.reconciler.reconcile("u1")

    def condition(self, kind: str) -> dict[str, Any]:
        return next(c for c in self.kube.status["conditions"] if c["type"] == kind)

    def events(self) -> list[tuple[str, ...]]:
        return [entry[1:] for entry in self.log if entry[0] == "event"]


def created_status() -> dict[str, Any]:
    """A server was created under SPEC."""
    return {"serverID": "s1", "specDigests": spec_digests(SPEC)}


def test_an_invalid_spec_opens_no_cloud_and_is_degraded() -> None:
    h = Harness(flavor={})  # neither name nor id
    result = h.reconcile()
    assert h.log == [("event", "Warning", "InvalidSpec"), ("status",)]  # no open, no create
    for kind in ("Degraded", "Stalled"):
        assert (h.condition(kind)["status"], h.condition(kind)["reason"]) == ("True", "InvalidSpec")
    assert h.events() == [("Warning", "InvalidSpec")]
    assert result == Result(None, "degraded")  # the user fixes the spec: no retry until then


def test_the_first_pass_holds_then_creates_and_reports_before_writing() -> None:
    h = Harness()
    result = h.reconcile()
    assert h.log == [
        ("open",),
        ("finalizer",),  # never a server for an Instance deletable without cleanup
        ("hold",),  # nor one whose credentials may vanish first
        ("create", "team-a-web-1"),
        ("event", "Normal", "Created"),  # whoever sees the status finds the Event
        ("status",),
    ]
    assert h.kube.finalizers == [(FINALIZER,)]
    assert {k: h.kube.status[k] for k in ("serverID", "serverName", "phase", "specDigests")} == {
        "serverID": "s1",
        "serverName": "team-a-web-1",
        "phase": "Building",
        "specDigests": spec_digests(h.spec),
    }
    assert h.events() == [("Normal", "Created")]
    assert h.registry.uid_for_server("s1") == "u1"
    assert result.outcome == "ok"


def test_a_refused_hold_creates_nothing_and_is_retried_slowly() -> None:
    h = Harness()
    h.holds.refused = UserError(Reason.SECRET_BEING_DELETED, "Secret team-a/x is being deleted.")
    result = h.reconcile()
    assert not any(e[0] == "create" for e in h.log)
    assert h.condition("Degraded")["reason"] == "SecretBeingDeleted"
    assert result.requeue == h.config.user_error_retry


def test_a_vanished_server_is_lost_and_never_recreated() -> None:
    h = Harness(created_status())
    h.locator.server = None
    result = h.reconcile()
    assert not any(e[0] == "create" for e in h.log)
    assert h.kube.finalizers == []
    assert h.kube.status["phase"] == "Lost"
    assert h.kube.status["serverID"] == "s1"
    assert (h.condition("Degraded")["status"], h.condition("Degraded")["reason"]) == (
        "True",
        "ServerLost",
    )
    assert h.events() == [("Warning", "ServerLost")]
    assert result.requeue is None


def test_changed_credentials_open_nothing_and_call_nothing() -> None:
    h = Harness(
        created_status(),
        cloudCredentialsRef={"secretName": "other", "cloudName": "mycloud"},
    )
    h.locator.server = BUILDING
    result = h.reconcile()
    assert [e[0] for e in h.log] == ["event", "status"]  # no open, no create, no finalizer
    assert h.condition("Degraded")["reason"] == "ImmutableFieldChanged"
    assert "spec.cloudCredentialsRef" in h.condition("Degraded")["message"]
    assert h.kube.status.get("phase") != "Lost"  # never called Lost under other credentials
    assert result == Result(None, "degraded")


def test_transient_failures_back_off_exponentially_and_reset_after_success(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reconciler_module.random, "uniform", lambda a, b: 1.0)  # no jitter
    h = Harness()
    h.locator.broken = UNAVAILABLE
    delays = [h.reconcile().requeue for _ in range(3)]
    assert delays == [1.0, 2.0, 4.0]
    progressing = h.condition("Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "TransientError")
    assert "OpenStack answered 503" in progressing["message"]
    assert "Retrying in 4 s." in progressing["message"]
    assert h.condition("Degraded")["status"] == "False"
    assert h.events() == [("Warning", "TransientError")]  # once, not once per retry
    h.locator.broken = None
    assert h.reconcile() == Result(None, "ok")  # created
    h.locator.broken = UNAVAILABLE
    again = h.reconcile()
    assert again == Result(1.0, "transient_error")  # from the first step again


def test_an_outage_of_days_keeps_the_backoff_at_its_maximum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over 1,024 failures in a row (3.5 days at 300 s): 2 ** 1024 is past a float's range."""
    monkeypatch.setattr(reconciler_module.random, "uniform", lambda a, b: 1.0)  # no jitter
    h = Harness()
    h.locator.broken = UNAVAILABLE
    for _ in range(1_100):
        result = h.reconcile()
    assert result == Result(h.config.transient_retry_max, "transient_error")


def test_an_unchanged_status_and_novas_progress_are_not_written() -> None:
    h = Harness(created_status())
    h.locator.server = BUILDING
    h.reconcile()
    assert h.kube.status["taskState"] == "scheduling"
    assert h.kube.status["phase"] == "Building"
    assert len(h.kube.patches) == 1
    h.reconcile()  # the same server: nothing to write
    assert len(h.kube.patches) == 1
    h.locator.server = replace(BUILDING, task_state="spawning")  # Nova's next step, still Building
    h.reconcile()
    assert len(h.kube.patches) == 1
    assert h.kube.status["taskState"] == "scheduling"
    h.locator.server = replace(BUILDING, status="ACTIVE", task_state=None, power_state=1)
    h.reconcile()  # the end of the transition is written
    assert len(h.kube.patches) == 2
    assert h.kube.status["phase"] == "Active"
    assert "taskState" not in h.kube.status
    assert h.condition("Ready")["status"] == "True"
