"""The action state machine on its own: what a token leads to, and when a call has finished."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from instance_operator.api.models import ActionResult, ActionStatus, PowerPolicy
from instance_operator.api.names import Action
from instance_operator.controller.actions.plan import (
    ServerFacts,
    Step,
    outcome,
    plan,
    snapshot_outcome,
)

ACTIVE = ServerFacts("ACTIVE", None)
SHUTOFF = ServerFacts("SHUTOFF", None)
T0 = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def record(token: str, result: ActionResult, request_id: str | None = None) -> ActionStatus:
    return ActionStatus.model_validate(
        {"token": token, "result": result.value, "requestID": request_id, "requestedAt": T0}
    )


def step(
    action: Action,
    token: str | None,
    server: ServerFacts | None = ACTIVE,
    *,
    previous: ActionStatus | None = None,
    power: PowerPolicy = PowerPolicy.MANUAL,
    server_name: str = "web",
) -> Step:
    return plan(
        action,
        token,
        record=previous,
        power_policy=power,
        managed=True,
        server=server,
        server_name=server_name,
    ).step


def test_a_new_token_on_a_settled_server_is_called() -> None:
    assert step(Action.REBOOT, "r1") is Step.CALL
    assert step(Action.HARD_REBOOT, "h1", ServerFacts("ERROR", None)) is Step.CALL
    assert step(Action.SNAPSHOT, "s1", SHUTOFF) is Step.CALL


def test_no_annotation_or_a_finished_token_does_nothing() -> None:
    assert step(Action.REBOOT, None) is Step.NONE
    for result in (ActionResult.SUCCEEDED, ActionResult.FAILED):
        assert step(Action.REBOOT, "r1", previous=record("r1", result)) is Step.NONE
    # ... but a new token after a finished one is carried out
    assert step(Action.REBOOT, "r2", previous=record("r1", ActionResult.SUCCEEDED)) is Step.CALL


def test_a_running_record_is_awaited_or_recovered_never_called_again() -> None:
    running = record("r1", ActionResult.RUNNING, request_id="req-1")
    assert step(Action.REBOOT, "r1", previous=running) is Step.AWAIT
    crashed = record("r1", ActionResult.RUNNING)
    assert step(Action.REBOOT, "r1", previous=crashed) is Step.RECOVER


def test_idempotent_power_actions_skip_the_call() -> None:
    assert step(Action.START, "t", ACTIVE) is Step.SKIP
    assert step(Action.STOP, "t", SHUTOFF) is Step.SKIP
    assert step(Action.START, "t", SHUTOFF) is Step.CALL
    assert step(Action.STOP, "t", ACTIVE) is Step.CALL


def test_busy_or_missing_server_waits() -> None:
    assert step(Action.REBOOT, "r1", None) is Step.WAIT
    assert step(Action.REBOOT, "r1", ServerFacts("BUILD", "spawning")) is Step.WAIT
    assert step(Action.STOP, "t", ServerFacts("ACTIVE", "rebooting")) is Step.WAIT


def test_a_server_whose_cell_is_down_is_waited_for_not_called_or_judged() -> None:
    unknown = ServerFacts("UNKNOWN", None)
    for action in Action:
        result = plan(
            action,
            "t",
            record=None,
            power_policy=PowerPolicy.MANUAL,
            managed=True,
            server=unknown,
            server_name="w",
        )
        assert result.step is Step.WAIT, action
        assert "UNKNOWN" in result.message
        assert outcome(action, unknown) is None, action


@pytest.mark.parametrize(
    ("action", "token", "power", "server", "server_name", "says"),
    [
        (Action.REBOOT, "  ", PowerPolicy.MANUAL, ACTIVE, "web", "non-empty request token"),
        (Action.START, "t", PowerPolicy.STOPPED, SHUTOFF, "web", "set spec.powerState to Manual"),
        (Action.STOP, "t", PowerPolicy.RUNNING, ACTIVE, "web", "set spec.powerState to Manual"),
        (Action.SNAPSHOT, "t" * 260, PowerPolicy.MANUAL, ACTIVE, "web", "Use a shorter token"),
        (Action.REBOOT, "r1", PowerPolicy.MANUAL, ServerFacts("DELETED", None), "web", "no longer"),
    ],
)
def test_refusals_say_why(
    action: Action,
    token: str,
    power: PowerPolicy,
    server: ServerFacts,
    server_name: str,
    says: str,
) -> None:
    result = plan(
        action,
        token,
        record=None,
        power_policy=power,
        managed=True,
        server=server,
        server_name=server_name,
    )
    assert result.step is Step.REFUSE
    assert says in result.message


def test_reboot_is_allowed_under_a_power_policy() -> None:
    assert step(Action.REBOOT, "r1", power=PowerPolicy.RUNNING) is Step.CALL


def test_outcome_after_the_call() -> None:
    assert outcome(Action.STOP, ServerFacts("ACTIVE", "powering-off")) is None
    assert outcome(Action.STOP, SHUTOFF) == (ActionResult.SUCCEEDED, "The server is stopped.")
    assert outcome(Action.START, SHUTOFF) == (
        ActionResult.FAILED,
        "The server ended SHUTOFF, not ACTIVE.",
    )
    assert outcome(Action.REBOOT, None) is not None
    assert outcome(Action.REBOOT, ServerFacts("DELETED", None)) == (
        ActionResult.FAILED,
        "The server disappeared while the action ran.",
    )
    assert outcome(Action.SNAPSHOT, ACTIVE) is None  # decided by the image instead


def test_a_hard_reboot_out_of_error_is_not_failed_while_nova_still_shows_error() -> None:
    # Nova keeps status ERROR while the hard reboot of a server in ERROR runs.
    assert outcome(Action.HARD_REBOOT, ServerFacts("ERROR", "rebooting_hard")) is None
    assert outcome(Action.HARD_REBOOT, ACTIVE) == (
        ActionResult.SUCCEEDED,
        "The server was hard-rebooted.",
    )
    assert outcome(Action.HARD_REBOOT, ServerFacts("ERROR", None), "host died") == (
        ActionResult.FAILED,
        "The server went to ERROR. host died",
    )


@pytest.mark.parametrize(
    ("image_status", "expected"),
    [
        ("queued", None),
        ("saving", None),
        ("active", ActionResult.SUCCEEDED),
        ("killed", ActionResult.FAILED),
        (None, ActionResult.FAILED),
    ],
)
def test_snapshot_outcome_follows_the_image(
    image_status: str | None, expected: ActionResult | None
) -> None:
    result = snapshot_outcome(image_status)
    assert (result[0] if result else None) is expected
