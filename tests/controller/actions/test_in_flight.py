"""A call whose outcome is unknown is waited out before it is made again (actions.runner, actions.in_flight).

The runner is driven directly with a fake actuator and a hand-turned monotonic clock, so each case
states exactly when Nova logged what, and when the runner asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from instance_operator.api.models import (
    ActionResult,
    ActionsStatus,
    ActionStatus,
    InstanceStatus,
    PowerPolicy,
)
from instance_operator.api.names import Action
from instance_operator.controller.actions.in_flight import InFlight
from instance_operator.controller.actions.runner import RECHECK, ActionRunner
from instance_operator.controller.kube import InstanceRef
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.actuator import Call
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.registry import InstanceView
from instance_operator.openstack import errors as os_errors
from tests.support.observed import observed

LIMIT = 70.0
TOKEN = "t-1"
T0 = datetime(2026, 12, 3, 10, 0, 0, tzinfo=UTC)


@dataclass
class FakeNova:
    """The actuator's two questions: make the call, and has a call of this kind been logged."""

    logged: str | None = None
    answers: list[Any] = field(default_factory=list)
    calls: int = 0
    asked_since: datetime | None = None

    def act(self, action: Action, server_id: str, **_: Any) -> Call:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else Call(f"req-{self.calls}")
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, Call)
        return answer

    def arrived(self, action: Action, server_id: str, *, since: datetime) -> str | None:
        self.asked_since = since
        return self.logged


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def server(seen_at: float = 0.0) -> Observed:
    return observed(updated=T0, created=T0, seen_at=seen_at)


class Harness:
    def __init__(self) -> None:
        self.nova = FakeNova()
        self.clock = Clock()
        self.flushed: list[InstanceStatus] = []
        self.in_flight = InFlight(LIMIT)
        self.status = InstanceStatus()
        self.seen_at = 0.0

    def runner(self) -> ActionRunner:
        return ActionRunner(
            flush=lambda p: self.flushed.append(p.status.model_copy(deep=True)),
            mutated=lambda uid: None,
            last_mutation=lambda uid: 0.0,
            fast_poll=0.5,
            finished=lambda action, result: None,
            in_flight=self.in_flight,
            clock=self.clock,
        )

    def run_pass(self) -> Pass:
        view = InstanceView(
            ref=InstanceRef("default", "web", "uid-1"),
            generation=1,
            spec={},
            annotations={Action.REBOOT.annotation: TOKEN},
            status=self.status,
            deleting=False,
        )
        now = T0 + timedelta(seconds=self.clock.now - 1000.0)
        p = Pass(
            view=view, status=self.status.model_copy(deep=True), now=now, started=self.clock.now
        )
        self.runner().run(
            p,
            self.nova,  # type: ignore[arg-type]  # the two methods the runner uses
            server(self.seen_at),
            power_policy=PowerPolicy.MANUAL,
            managed=True,
            server_name="web",
        )
        self.status = p.status
        return p

    def record(self) -> ActionStatus:
        assert self.status.actions is not None
        assert self.status.actions.reboot is not None
        return self.status.actions.reboot

    def write_ahead_from_a_dead_process(self) -> None:
        """A Running record without a request ID, as a process killed around the call leaves it."""
        record = ActionStatus(
            token=TOKEN,
            result=ActionResult.RUNNING,
            requestedAt=T0,
            startedAt=T0,
            serverUpdatedAt=T0,
        )
        self.status = InstanceStatus(actions=ActionsStatus(reboot=record))


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_an_unknown_call_is_not_made_again_while_it_may_be_in_flight(h: Harness) -> None:
    h.write_ahead_from_a_dead_process()
    p = h.run_pass()
    assert h.nova.calls == 0
    record = h.record()
    assert record.result is ActionResult.RUNNING
    assert record.request_id is None
    assert "may still be on its way" in record.message
    assert "10:01:10 UTC" in record.message  # first seen at 10:00:00, plus the 70 s limit
    assert p.requeue == RECHECK

    h.clock.now += LIMIT - 1
    p = h.run_pass()
    assert h.nova.calls == 0
    assert p.requeue == pytest.approx(1.0)


def test_a_call_that_arrives_late_is_found_and_not_made_again(h: Harness) -> None:
    h.write_ahead_from_a_dead_process()
    h.run_pass()
    h.clock.now += 30
    h.nova.logged = "req-late"  # the held request reached Nova
    h.run_pass()
    h.clock.now += 2 * LIMIT
    h.run_pass()
    assert h.nova.calls == 0
    assert h.record().request_id == "req-late"


def test_a_call_that_never_arrived_is_made_once_the_limit_has_passed(h: Harness) -> None:
    h.write_ahead_from_a_dead_process()
    h.run_pass()
    h.clock.now += LIMIT
    h.run_pass()
    assert h.nova.calls == 1
    assert h.record().request_id == "req-1"
    assert h.flushed[-1].wire()["actions"]["reboot"]["result"] == "Running"  # written ahead again


def test_a_lost_answer_starts_the_wait_when_it_is_lost(h: Harness) -> None:
    h.nova.answers = [os_errors.OutcomeUnknown("POST /action: no answer", method="POST", url="u")]
    h.run_pass()  # the call is made, its answer lost
    assert h.nova.calls == 1
    h.clock.now += LIMIT - 1
    h.run_pass()
    assert h.nova.calls == 1
    h.clock.now += 1
    h.run_pass()
    assert h.nova.calls == 2


@pytest.mark.parametrize(
    "answer",
    [
        os_errors.ServiceUnavailable(
            status_code=503, message="Service Unavailable", method="POST", url="u"
        ),
        os_errors.ConnectionFailed("connection refused", method="POST", url="u"),
    ],
    ids=["http-error", "never-sent"],
)
def test_a_call_with_an_answer_is_settled_at_once(h: Harness, answer: Exception) -> None:
    h.nova.answers = [answer]
    with pytest.raises(type(answer)):
        h.run_pass()
    h.run_pass()  # Nova's log is silent, and this process knows the call is not on its way
    assert h.nova.calls == 2


def test_the_wait_restarts_in_each_new_process(h: Harness) -> None:
    """A new process cannot know when the dead one sent the call: it waits the full limit."""
    h.write_ahead_from_a_dead_process()
    h.run_pass()
    h.clock.now += LIMIT - 1
    h.in_flight = InFlight(LIMIT)  # a restart: nothing remembered
    h.run_pass()
    assert h.nova.calls == 0
    assert "10:02:19 UTC" in h.record().message


def test_a_call_waits_until_a_second_after_the_observation(h: Harness) -> None:
    """Nova's times are whole seconds: a call within a second of the observation could start in
    the same second as the server's last change."""
    h.seen_at = h.clock.now - 0.25
    p = h.run_pass()
    assert h.nova.calls == 0
    assert h.flushed == []  # not even written ahead
    assert p.requeue == pytest.approx(0.75)
    h.clock.now += 0.75
    h.run_pass()
    assert h.nova.calls == 1


def test_a_recovery_looks_from_the_second_after_the_recorded_update(h: Harness) -> None:
    """An earlier reboot that started and ended within the second Nova shows as ``updated`` is
    not this call: the log is read from the next second on."""
    h.write_ahead_from_a_dead_process()  # serverUpdatedAt 10:00:00
    h.run_pass()
    assert h.nova.asked_since == T0 + timedelta(seconds=1)


def test_fresh_observations_of_the_same_update_do_not_postpone_the_call(h: Harness) -> None:
    """The server is polled every 0.3 s: each observation is fresh, its ``updated`` the same."""
    for _ in range(3):
        h.seen_at = h.clock.now - 0.1
        h.run_pass()
        h.clock.now += 0.3
    assert h.nova.calls == 0
    h.clock.now += 0.2  # 1.0 s after the first observation of this ``updated``
    h.seen_at = h.clock.now - 0.1
    h.run_pass()
    assert h.nova.calls == 1


def test_a_call_waited_out_is_made_once_the_server_update_is_a_second_old(h: Harness) -> None:
    h.write_ahead_from_a_dead_process()
    h.run_pass()
    h.clock.now += LIMIT
    h.seen_at = h.clock.now - 0.5  # first seen now: too fresh to call
    h.run_pass()
    assert h.nova.calls == 0
    h.clock.now += 0.5
    h.seen_at = h.clock.now - 0.1
    h.run_pass()  # the wait stays over: no new 70 s
    assert h.nova.calls == 1
