"""Resize (and its confirm) and power state, one call per pass, against a fake actuator."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from instance_operator.api.models import InstanceSpec, PowerPolicy
from instance_operator.api.names import Action
from instance_operator.api.validation import validate_spec
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.scope_watcher import ScopeWatcher
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.reconcile.server_changes import CONFIRM_PATIENCE, ServerChanges
from instance_operator.controller.registry import InstanceView
from instance_operator.controller.status.reasons import Reason
from instance_operator.sandbox import example


@dataclass(frozen=True)
class Flavor:
    id: str
    name: str


class FakeActuator:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.resolver = self

    def flavor(self, ref: Any) -> Flavor:
        return Flavor(id=f"id-{ref.name}", name=ref.name)

    def confirm_resize(self, server_id: str) -> None:
        self.calls.append(("confirm", server_id))

    def resize(self, server_id: str, flavor_id: str) -> None:
        self.calls.append(("resize", server_id, flavor_id))

    def act(self, action: Action, server_id: str) -> None:
        self.calls.append((action, server_id))


class FakeWatcher:
    def __init__(self) -> None:
        self.hurried = 0

    def hurry(self, seconds: float) -> None:
        self.hurried += 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


SERVER = Observed(
    id="s1", name="web-1", status="ACTIVE", task_state=None, power_state=1, updated=None,
    created=None, addresses=(), flavor_id=None, flavor_name="m1.small", image_id=None, key_name=None, availability_zone=None, server_groups=None,
    fault_code=None, fault_message=None, tags=(), metadata={}, security_groups=(), seen_at=0.0,
)  # fmt: skip


def spec(**changes: Any) -> InstanceSpec:
    raw = example("instance-minimal.yaml")["spec"]
    return validate_spec({**raw, **changes})


def a_pass() -> Pass:
    view = InstanceView.from_body({"metadata": {"namespace": "ns", "name": "web-1", "uid": "u1"}})
    return Pass(view=view, status={}, now=datetime.now(UTC), started=0.0)


class Harness:
    def __init__(self) -> None:
        self.clock = Clock()
        self.mutated: list[str] = []
        self.changes = ServerChanges(clock=self.clock, mutated=self.mutated.append)
        self.actuator = FakeActuator()
        self.watcher = FakeWatcher()

    def resize(self, wanted: InstanceSpec, server: Observed) -> Pass:
        p = a_pass()
        self.changes.resize(
            p, wanted, cast(ScopeWatcher, self.watcher), cast(Actuator, self.actuator), server
        )
        return p

    def power(self, wanted: InstanceSpec, server: Observed, p: Pass | None = None) -> Pass:
        p = p or a_pass()
        self.changes.enforce_power(
            p, wanted, cast(ScopeWatcher, self.watcher), cast(Actuator, self.actuator), server
        )
        return p


def test_a_new_flavor_resizes_once_and_marks_the_pass() -> None:
    h = Harness()
    p = h.resize(spec(flavor={"name": "m1.large"}), SERVER)
    assert h.actuator.calls == [("resize", "s1", "id-m1.large")]
    assert p.called
    assert p.activity is Reason.RESIZING
    assert h.mutated == ["u1"]
    assert h.watcher.hurried == 1
    # Nova still resizing (a task state): no second call, the activity stays.
    busy = h.resize(
        spec(flavor={"name": "m1.large"}),
        replace(SERVER, status="RESIZE", task_state="resize_migrating"),
    )
    assert len(h.actuator.calls) == 1
    assert busy.activity is Reason.RESIZING


def test_verify_resize_is_confirmed_once_until_patience_runs_out() -> None:
    h = Harness()
    verify = replace(SERVER, status="VERIFY_RESIZE", flavor_name="m1.large")
    first = h.resize(spec(flavor={"name": "m1.large"}), verify)
    assert h.actuator.calls == [("confirm", "s1")]
    assert [e[1] for e in first.events] == [Reason.RESIZED]
    # Nova still shows VERIFY_RESIZE while it confirms: waited for, not confirmed again.
    h.clock.now += CONFIRM_PATIENCE - 1
    waiting = h.resize(spec(flavor={"name": "m1.large"}), verify)
    assert h.actuator.calls == [("confirm", "s1")]
    assert waiting.activity is Reason.RESIZING
    assert not waiting.called
    # Past the patience, the confirm is taken as lost: asked again.
    h.clock.now += 2
    h.resize(spec(flavor={"name": "m1.large"}), verify)
    assert h.actuator.calls == [("confirm", "s1"), ("confirm", "s1")]


def test_power_state_is_enforced_only_when_nothing_else_happens() -> None:
    h = Harness()
    stopped = replace(SERVER, status="SHUTOFF", power_state=4)
    p = h.power(spec(powerState=PowerPolicy.RUNNING.value), stopped)
    assert h.actuator.calls == [(Action.START, "s1")]
    assert p.activity is Reason.STARTING
    h.power(spec(powerState=PowerPolicy.STOPPED.value), SERVER)
    assert h.actuator.calls[-1] == (Action.STOP, "s1")
    calls = len(h.actuator.calls)
    # Not while Nova is busy with the server, and not twice in one pass.
    h.power(spec(powerState=PowerPolicy.RUNNING.value), replace(stopped, task_state="powering-on"))
    done = a_pass()
    done.called = True
    h.power(spec(powerState=PowerPolicy.RUNNING.value), stopped, done)
    assert len(h.actuator.calls) == calls
