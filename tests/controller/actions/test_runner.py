"""The contract of ActionRunner (actions.runner): write ahead, call once per token, finish on evidence.

The runner is driven directly, one pass at a time, with a fake actuator that logs into the same
list as the status writer (``flush``), and a hand-turned monotonic clock: nothing sleeps, no
process or network is involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from instance_operator.api.models import (
    MAX_SNAPSHOTS,
    ActionResult,
    ActionStatus,
    InstanceStatus,
    PowerPolicy,
    SnapshotStatus,
)
from instance_operator.api.names import Action
from instance_operator.controller.actions.in_flight import InFlight
from instance_operator.controller.actions.runner import ActionRunner
from instance_operator.controller.actions.table import ACTIONS
from instance_operator.controller.kube import InstanceRef
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.actuator import Call
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.registry import InstanceView
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack import errors as os_errors
from tests.support.observed import observed

TOKEN = "t-1"
REF = InstanceRef("default", "web", "uid-1")
FAST_POLL = 0.5
START = 1000.0  # the monotonic clock when the first pass starts
T0 = datetime(2026, 12, 3, 10, 0, 0, 250_000, tzinfo=UTC)  # p.now then; microseconds on purpose


@dataclass
class FakeNova:
    """The actuator methods the runner calls; every call is logged into the shared ``events``."""

    events: list[tuple[str, Any]]
    answers: list[Exception] = field(default_factory=list)
    image_state: str | None = "queued"
    #: The request ID Nova's action log shows for a call whose answer was lost.
    logged_as: str | None = None
    calls: int = 0

    def _call(self, what: str) -> None:
        self.calls += 1
        self.events.append(("act", what))
        if self.answers:
            raise self.answers.pop(0)

    def act(self, action: Action, server_id: str) -> Call:
        self._call(action.value)
        return Call(f"req-{self.calls}")

    def snapshot(self, server_id: str, image_name: str, ref: InstanceRef) -> Call:
        self._call(image_name)
        return Call(f"req-{self.calls}", f"img-{self.calls}")

    def image_status(self, image_id: str) -> str | None:
        return self.image_state

    def arrived(self, action: Action, server_id: str, *, since: datetime) -> str | None:
        self.events.append(("arrived", action.value))
        return self.logged_as


def server(status: str = "ACTIVE", *, seen_at: float = 0.0, fault: str | None = None) -> Observed:
    """The server as a poll that started at monotonic ``seen_at`` saw it."""
    return observed(status=status, seen_at=seen_at, fault_message=fault, updated=T0, created=T0)


def reasons(p: Pass) -> list[tuple[str, Reason]]:
    return [(kind, reason) for kind, reason, _ in p.events]


class Harness:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.nova = FakeNova(self.events)
        self.clock = START
        self.last_mutation = 0.0
        self.finished: list[tuple[Action, ActionResult]] = []
        self.annotations: dict[str, str] = {}
        self.status = InstanceStatus()
        self.runner = ActionRunner(
            flush=lambda p: self.events.append(("flush", p.status.model_copy(deep=True))),
            mutated=self._mutated,
            last_mutation=lambda uid: self.last_mutation,
            fast_poll=FAST_POLL,
            finished=lambda action, result: self.finished.append((action, result)),
            in_flight=InFlight(70.0),
            clock=lambda: self.clock,
        )

    def _mutated(self, uid: str) -> None:
        self.last_mutation = self.clock

    def run_pass(
        self, observed: Observed | None = None, policy: PowerPolicy = PowerPolicy.MANUAL
    ) -> Pass:
        view = InstanceView(REF, 1, {}, dict(self.annotations), self.status, deleting=False)
        now = T0 + timedelta(seconds=self.clock - START)
        p = Pass(view=view, status=self.status.model_copy(deep=True), now=now, started=self.clock)
        observed = observed or server()
        self.runner.run(
            p, self.nova, observed, power_policy=policy, managed=True, server_name="web"
        )  # type: ignore[arg-type]
        self.status = p.status
        return p

    def record(self, action: Action) -> ActionStatus:
        found = getattr(self.status.actions, action.value.replace("-", "_"), None)
        assert isinstance(found, ActionStatus)
        return found


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_write_ahead_running_record_is_flushed_before_nova_is_called(h: Harness) -> None:
    h.annotations = {Action.REBOOT.annotation: TOKEN}
    p = h.run_pass()
    assert [kind for kind, _ in h.events] == ["flush", "act"]
    written = h.events[0][1].actions.reboot  # what the status write carried, before the call
    assert written.result is ActionResult.RUNNING
    assert (written.token, written.started_at) == (TOKEN, p.now)
    assert (written.request_id, written.server_updated_at) == (None, T0)  # ID after, the update now
    after = h.record(Action.REBOOT)
    assert (after.result, after.request_id) == (ActionResult.RUNNING, "req-1")
    assert p.called
    assert h.last_mutation == h.clock
    assert p.requeue == FAST_POLL


def test_exactly_once_per_token_a_recorded_request_id_is_not_called_again(h: Harness) -> None:
    h.annotations = {Action.REBOOT.annotation: TOKEN}
    h.run_pass()
    for _ in range(3):
        h.clock += 1
        h.run_pass()  # observations older than the call: still awaiting, never calling
    h.clock += 1
    h.run_pass(server(seen_at=h.clock))  # done
    h.run_pass(server(seen_at=h.clock))
    assert h.nova.calls == 1
    assert [kind for kind, _ in h.events] == ["flush", "act"]
    h.annotations = {Action.REBOOT.annotation: "t-2"}  # a new token is a new request
    h.clock += 1
    h.run_pass()
    assert h.nova.calls == 2


def test_one_call_per_pass_the_next_action_waits_pending(h: Harness) -> None:
    h.annotations = {Action.REBOOT.annotation: TOKEN, Action.SNAPSHOT.annotation: "s-1"}
    h.run_pass()
    assert h.nova.calls == 1
    waiting = h.record(Action.SNAPSHOT)
    assert (waiting.token, waiting.result) == ("s-1", ActionResult.PENDING)
    assert "previous change" in waiting.message


@pytest.mark.parametrize("error", [os_errors.Conflict, os_errors.BadRequest, os_errors.Forbidden])
def test_an_action_nova_refuses_ends_failed_with_a_warning(
    h: Harness, error: type[os_errors.HttpError]
) -> None:
    code = error.status_codes[0]
    h.nova.answers = [
        error(status_code=code, message="in vm_state stopped", method="POST", url="u")
    ]
    h.annotations = {Action.REBOOT.annotation: TOKEN}
    p = h.run_pass()
    record = h.record(Action.REBOOT)
    assert record.result is ActionResult.FAILED
    assert record.message == "Nova refused: in vm_state stopped"
    assert record.finished_at == p.now
    assert p.events == [
        ("Warning", Reason.ACTION_FAILED, f"reboot (token {TOKEN!r}): {record.message}")
    ]
    assert h.finished == [(Action.REBOOT, ActionResult.FAILED)]
    assert not p.called
    assert h.last_mutation == 0.0  # nothing changed the server
    h.clock += 1
    h.run_pass()
    assert h.nova.calls == 1  # a failed token is final


@pytest.mark.parametrize(
    ("action", "token", "policy", "status", "message"),
    [
        (Action.STOP, TOKEN, PowerPolicy.RUNNING, "ACTIVE", "spec.powerState is Running"),
        (Action.REBOOT, TOKEN, PowerPolicy.MANUAL, "DELETED", "The server no longer exists."),
        (Action.REBOOT, "  ", PowerPolicy.MANUAL, "ACTIVE", "must be a non-empty request token"),
        (Action.SNAPSHOT, "x" * 260, PowerPolicy.MANUAL, "ACTIVE", "Glance allows 255"),
    ],
    ids=["power-policy", "server-gone", "blank-token", "image-name-too-long"],
)
def test_an_action_the_plan_does_not_allow_is_refused_without_calling_nova(
    h: Harness, action: Action, token: str, policy: PowerPolicy, status: str, message: str
) -> None:
    h.annotations = {action.annotation: token}
    p = h.run_pass(server(status), policy)
    assert h.events == []  # neither written ahead nor called
    record = h.record(action)
    assert (record.token, record.result, record.finished_at) == (token, ActionResult.FAILED, p.now)
    assert message in record.message
    assert reasons(p) == [("Warning", Reason.ACTION_REFUSED)]


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        (Action.REBOOT, "ACTIVE", "ACTIVE"),
        (Action.STOP, "ACTIVE", "SHUTOFF"),
        (Action.START, "SHUTOFF", "ACTIVE"),
    ],
)
def test_completion_needs_an_observation_newer_than_the_call(
    h: Harness, action: Action, before: str, after: str
) -> None:
    h.annotations = {action.annotation: TOKEN}
    h.run_pass(server(before))
    called_at = h.last_mutation
    h.clock += 2
    p = h.run_pass(server(after, seen_at=called_at - 0.1))  # looks done, but predates the call
    assert h.record(action).result is ActionResult.RUNNING
    assert p.requeue == FAST_POLL
    assert (p.events, h.finished) == ([], [])
    h.clock += 1
    p = h.run_pass(server(after, seen_at=called_at + 0.1))
    record = h.record(action)
    assert (record.result, record.message) == (ActionResult.SUCCEEDED, ACTIONS[action].done)
    assert record.finished_at == p.now
    assert record.request_id == "req-1"
    assert reasons(p) == [("Normal", ACTIONS[action].succeeded)]
    assert h.finished == [(action, ActionResult.SUCCEEDED)]


def test_completion_in_error_fails_with_novas_fault(h: Harness) -> None:
    h.annotations = {Action.REBOOT.annotation: TOKEN}
    h.run_pass()
    h.clock += 1
    p = h.run_pass(server("ERROR", seen_at=h.clock, fault="disk gone"))
    record = h.record(Action.REBOOT)
    assert record.result is ActionResult.FAILED
    assert record.message == "The server went to ERROR. disk gone"
    assert reasons(p) == [("Warning", Reason.ACTION_FAILED)]


def test_snapshot_is_listed_as_queued_and_finishes_when_the_image_is_active(h: Harness) -> None:
    h.annotations = {Action.SNAPSHOT.annotation: TOKEN}
    p = h.run_pass()
    assert h.events[1] == ("act", f"web-{TOKEN}")  # the image is called <serverName>-<token>
    created = p.now.replace(microsecond=0)  # whole seconds (p.now has 250 ms)
    entry = SnapshotStatus(
        token=TOKEN, imageName=f"web-{TOKEN}", imageID="img-1", state="queued", createdAt=created
    )
    assert h.status.snapshots == [entry]
    assert h.record(Action.SNAPSHOT).request_id == "req-1"
    h.nova.image_state = "saving"
    h.clock += 1
    p = h.run_pass()
    assert h.record(Action.SNAPSHOT).result is ActionResult.RUNNING
    assert (h.status.snapshots or [])[-1].state == "saving"
    assert (p.requeue, p.events) == (FAST_POLL, [])
    h.nova.image_state = "active"
    h.clock += 1
    p = h.run_pass()
    record = h.record(Action.SNAPSHOT)
    assert (record.result, record.finished_at) == (ActionResult.SUCCEEDED, p.now)
    assert (h.status.snapshots or [])[-1].state == "active"
    assert reasons(p) == [("Normal", Reason.SNAPSHOT_CREATED)]
    assert h.nova.calls == 1


def test_snapshot_list_keeps_at_most_max_snapshots_newest_last(h: Harness) -> None:
    old = [f"old-{i}" for i in range(MAX_SNAPSHOTS)]
    h.status = InstanceStatus(
        snapshots=[SnapshotStatus(token=t, imageName=f"web-{t}", state="active") for t in old]
    )
    h.annotations = {Action.SNAPSHOT.annotation: TOKEN}
    h.run_pass()
    assert [s.token for s in h.status.snapshots or []] == [*old[1:], TOKEN]


def test_a_call_whose_answer_was_lost_counts_as_made(h: Harness) -> None:
    """It may have reached Nova: no second call in the pass, no earlier observation as evidence."""
    h.nova.answers = [os_errors.OutcomeUnknown("no answer", method="POST", url="u")]
    h.annotations = {Action.REBOOT.annotation: TOKEN, Action.SNAPSHOT.annotation: "s-1"}
    p = h.run_pass()
    assert h.nova.calls == 1  # the snapshot waits for a fresh look
    assert h.record(Action.SNAPSHOT).result is ActionResult.PENDING
    assert p.called
    assert h.last_mutation == h.clock


def test_a_call_found_in_novas_log_is_awaited_from_when_it_was_found(h: Harness) -> None:
    h.annotations = {Action.REBOOT.annotation: TOKEN}
    h.status = InstanceStatus(
        actions={"reboot": ActionStatus(  # written ahead by a process that died around the call
            token=TOKEN, result=ActionResult.RUNNING, requestedAt=T0, startedAt=T0,
            serverUpdatedAt=T0,
        )}
    )  # fmt: skip
    h.nova.logged_as = "req-found"
    h.clock += 100
    p = h.run_pass(server(seen_at=h.clock - 1))
    assert h.record(Action.REBOOT).request_id == "req-found"
    assert (h.nova.calls, p.called, h.last_mutation) == (0, True, h.clock)
    h.clock += 1
    h.run_pass(server(seen_at=h.last_mutation - 0.5))  # a poll from before it was found
    assert h.record(Action.REBOOT).result is ActionResult.RUNNING
    h.run_pass(server(seen_at=h.last_mutation + 0.5))
    assert h.record(Action.REBOOT).result is ActionResult.SUCCEEDED
