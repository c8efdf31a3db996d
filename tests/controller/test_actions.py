from __future__ import annotations

import pytest

from instance_operator.api.models import ActionResult, ActionStatus, PowerPolicy
from instance_operator.api.names import Action
from instance_operator.controller.actions import ServerFacts, Step, outcome, plan, snapshot_outcome

ACTIVE = ServerFacts("ACTIVE", None)
SHUTOFF = ServerFacts("SHUTOFF", None)
BUILDING = ServerFacts("BUILD", "spawning")


def record(token: str, result: ActionResult, request_id: str | None = None) -> ActionStatus:
    return ActionStatus(token=token, result=result, requestID=request_id)


def step(
    action: Action,
    token: str | None,
    rec: ActionStatus | None = None,
    server: ServerFacts | None = ACTIVE,
    policy: PowerPolicy = PowerPolicy.MANUAL,
) -> Step:
    return plan(
        action, token, record=rec, power_policy=policy, server=server, server_name="web"
    ).step


def test_no_annotation_no_work() -> None:
    assert step(Action.REBOOT, None) is Step.NONE


def test_new_token_is_called_once_and_finished_token_never_again() -> None:
    assert step(Action.REBOOT, "t1") is Step.CALL
    assert step(Action.REBOOT, "t1", record("t1", ActionResult.SUCCEEDED, "req-1")) is Step.NONE
    assert step(Action.REBOOT, "t1", record("t1", ActionResult.FAILED)) is Step.NONE
    assert step(Action.REBOOT, "t2", record("t1", ActionResult.SUCCEEDED, "req-1")) is Step.CALL


def test_running_record_awaits_or_recovers() -> None:
    assert step(Action.REBOOT, "t1", record("t1", ActionResult.RUNNING, "req-1")) is Step.AWAIT
    assert step(Action.REBOOT, "t1", record("t1", ActionResult.RUNNING)) is Step.RECOVER


def test_busy_or_missing_server_waits() -> None:
    assert step(Action.REBOOT, "t1", server=BUILDING) is Step.WAIT
    assert step(Action.SNAPSHOT, "s1", server=None) is Step.WAIT
    assert step(Action.REBOOT, "t1", record("t1", ActionResult.PENDING), server=ACTIVE) is Step.CALL


def test_idempotent_power_actions_skip_the_call() -> None:
    assert step(Action.STOP, "t1", server=SHUTOFF) is Step.SKIP
    assert step(Action.START, "t1", server=ACTIVE) is Step.SKIP
    assert step(Action.START, "t1", server=SHUTOFF) is Step.CALL


@pytest.mark.parametrize("policy", [PowerPolicy.RUNNING, PowerPolicy.STOPPED])
def test_start_stop_refused_unless_manual(policy: PowerPolicy) -> None:
    refused = plan(
        Action.STOP, "t1", record=None, power_policy=policy, server=ACTIVE, server_name="web"
    )
    assert refused.step is Step.REFUSE
    assert "spec.powerState" in refused.message
    assert step(Action.REBOOT, "t1", policy=policy) is Step.CALL


def test_bad_tokens_are_refused_with_a_reason() -> None:
    assert step(Action.SNAPSHOT, "  ") is Step.REFUSE
    long = plan(
        Action.SNAPSHOT,
        "x" * 300,
        record=None,
        power_policy=PowerPolicy.MANUAL,
        server=ACTIVE,
        server_name="web",
    )
    assert long.step is Step.REFUSE
    assert "255" in long.message


def test_gone_server_refuses() -> None:
    assert step(Action.START, "t1", server=ServerFacts("DELETED", None)) is Step.REFUSE


def test_outcomes() -> None:
    assert outcome(Action.REBOOT, ServerFacts("REBOOT", "rebooting")) is None
    assert outcome(Action.REBOOT, ACTIVE) == (ActionResult.SUCCEEDED, "The server rebooted.")
    assert outcome(Action.STOP, SHUTOFF)[0] is ActionResult.SUCCEEDED  # type: ignore[index]
    assert outcome(Action.STOP, ACTIVE)[0] is ActionResult.FAILED  # type: ignore[index]
    failed = outcome(Action.HARD_REBOOT, ServerFacts("ERROR", None), "No valid host")
    assert failed == (ActionResult.FAILED, "The server went to ERROR. No valid host")
    assert outcome(Action.START, None)[0] is ActionResult.FAILED  # type: ignore[index]
    assert outcome(Action.SNAPSHOT, ACTIVE) is None
    assert snapshot_outcome("saving") is None
    assert snapshot_outcome("active")[0] is ActionResult.SUCCEEDED  # type: ignore[index]
    assert snapshot_outcome("killed")[0] is ActionResult.FAILED  # type: ignore[index]
