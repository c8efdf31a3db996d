from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from instance_operator.api.models import Condition, Phase
from instance_operator.controller.status.conditions import Health, Problem, compute
from instance_operator.controller.status.reasons import Reason

T0 = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def by_type(conditions: list[Condition]) -> dict[str, dict[str, Any]]:
    """The conditions as the API stores them, by type."""
    return {
        c.type.value: c.model_dump(by_alias=True, exclude_none=True, mode="json")
        for c in conditions
    }


def test_ready_only_when_active_and_applied() -> None:
    ready = by_type(compute(Health(Phase.ACTIVE, spec_applied=True), 3, [], T0))
    assert ready["Ready"]["status"] == "True"
    assert ready["Ready"]["observedGeneration"] == 3
    assert ready["Progressing"]["status"] == "False"
    assert ready["Degraded"]["status"] == "False"

    unapplied = by_type(compute(Health(Phase.ACTIVE, spec_applied=False), 3, [], T0))
    assert unapplied["Ready"]["status"] == "False"

    stopped = by_type(compute(Health(Phase.STOPPED, spec_applied=True), 3, [], T0))
    assert stopped["Ready"]["status"] == "False"
    assert stopped["Ready"]["reason"] == "Stopped"


def test_build_is_progressing_and_reconciling_for_kstatus() -> None:
    building = by_type(compute(Health(Phase.BUILDING, True, activity=Reason.BUILDING), 1, [], T0))
    assert building["Ready"]["status"] == "False"
    assert building["Progressing"] == {**building["Reconciling"], "type": "Progressing"}
    assert building["Progressing"]["status"] == "True"
    assert building["Stalled"]["status"] == "False"


def test_user_error_is_degraded_and_stalled() -> None:
    problem = Problem(Reason.FLAVOR_NOT_FOUND, "Flavor 'm1.huge' does not exist.", transient=False)
    result = by_type(compute(Health(Phase.PENDING, False, problem=problem), 1, [], T0))
    assert result["Degraded"]["status"] == "True"
    assert result["Degraded"]["reason"] == "FlavorNotFound"
    assert result["Stalled"]["status"] == "True"
    assert result["Ready"]["reason"] == "FlavorNotFound"
    assert result["Progressing"]["status"] == "False"


def test_transient_error_is_progressing_not_degraded() -> None:
    problem = Problem(Reason.TRANSIENT_ERROR, "compute answered 503; retrying", transient=True)
    result = by_type(compute(Health(Phase.ACTIVE, True, problem=problem), 1, [], T0))
    assert result["Progressing"]["status"] == "True"
    assert result["Progressing"]["reason"] == "TransientError"
    assert result["Degraded"]["status"] == "False"
    assert result["Ready"]["status"] == "False"


def test_transition_time_moves_only_when_status_changes() -> None:
    first = compute(Health(Phase.BUILDING, True, activity=Reason.BUILDING), 1, [], T0)
    later = T0 + timedelta(minutes=1)
    same = by_type(compute(Health(Phase.BUILDING, True, activity=Reason.CREATING), 1, first, later))
    assert same["Progressing"]["lastTransitionTime"] == "2026-11-23T12:00:00Z"
    assert same["Progressing"]["reason"] == "Creating"
    flipped = by_type(compute(Health(Phase.ACTIVE, True), 1, first, later))
    assert flipped["Progressing"]["lastTransitionTime"] == "2026-11-23T12:01:00Z"
    assert flipped["Ready"]["lastTransitionTime"] == "2026-11-23T12:01:00Z"


def test_a_server_being_deleted_is_not_ready_but_progressing() -> None:
    was_ready = compute(Health(Phase.ACTIVE, spec_applied=True), 2, [], T0 - timedelta(hours=1))
    deleting = Health(Phase.DELETING, spec_applied=False, activity=Reason.DELETING)
    result = by_type(compute(deleting, 2, was_ready, T0))
    assert result["Ready"]["status"] == "False"
    assert result["Ready"]["reason"] == "Deleting"
    assert result["Ready"]["message"] == "The server is being deleted."
    assert result["Progressing"]["status"] == "True"
    assert result["Degraded"]["status"] == "False"


def test_a_pending_instance_says_what_it_waits_for() -> None:
    """Not "the server matches the spec" when there is no server."""
    problem = Problem(Reason.FLAVOR_NOT_FOUND, "Flavor 'm1.huge' does not exist.", transient=False)
    blocked = by_type(compute(Health(Phase.PENDING, False, problem=problem), 1, [], T0))
    assert blocked["Progressing"]["status"] == "False"
    assert blocked["Progressing"]["reason"] == "FlavorNotFound"
    assert blocked["Progressing"]["message"] == (
        "No server yet: it is created once the problem in Degraded (FlavorNotFound) is fixed."
    )
    waiting = by_type(compute(Health(Phase.PENDING, False), 1, [], T0))
    assert waiting["Progressing"]["message"].startswith("No server yet")
    settled = by_type(compute(Health(Phase.ACTIVE, True), 1, [], T0))
    assert settled["Progressing"]["message"] == "Nothing to do: the server matches the spec."
