"""The annotation actions as a state machine: what to do with a request token. Pure.

A token's life: seen → (Pending while the server is busy) → Running (recorded *before* the call to
Nova, the write-ahead that makes "exactly once" survive a crash) → Succeeded or Failed. A record that
says Running without Nova's request ID means the operator died around the call; Nova's instance-action
log then tells whether the call arrived (RECOVER), so it is neither lost nor repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from instance_operator.api.models import ActionResult, ActionStatus, PowerPolicy
from instance_operator.api.names import PREFIX, Action
from instance_operator.controller.actions.table import ACTIONS
from instance_operator.controller.status.phases import is_busy, is_gone, is_unreachable

#: Glance's limit on image names; a snapshot's image is called ``<serverName>-<token>``.
MAX_IMAGE_NAME = 255

_UNKNOWN_WAIT = "Waiting for Nova to reach the server's cell again (status UNKNOWN)."


class Step(StrEnum):
    NONE = "none"  # nothing to do for this token now
    REFUSE = "refuse"  # record Failed, no call
    WAIT = "wait"  # record Pending: the server is busy or not there yet
    SKIP = "skip"  # already in the target state: record Succeeded, no call
    CALL = "call"  # record Running, then call Nova
    RECOVER = "recover"  # Running without a request ID: ask Nova whether the call arrived
    AWAIT = "await"  # the call was made: see whether it has completed


@dataclass(frozen=True)
class ServerFacts:
    status: str
    task_state: str | None

    @property
    def busy(self) -> bool:
        return is_busy(self.status, self.task_state)


@dataclass(frozen=True)
class Plan:
    action: Action
    token: str
    step: Step
    message: str = ""


def snapshot_image_name(server_name: str, token: str) -> str:
    return f"{server_name}-{token}"


def plan(
    action: Action,
    token: str | None,
    *,
    record: ActionStatus | None,
    power_policy: PowerPolicy,
    managed: bool,
    server: ServerFacts | None,
    server_name: str,
) -> Plan:
    if token is None:
        return Plan(action, "", Step.NONE)
    if record is not None and record.token == token:
        if record.result in (ActionResult.SUCCEEDED, ActionResult.FAILED):
            return Plan(action, token, Step.NONE)
        if record.result is ActionResult.RUNNING:
            return Plan(action, token, Step.AWAIT if record.request_id else Step.RECOVER)
    refusal = _refusal(action, token, power_policy, managed, server_name)
    if refusal:
        return Plan(action, token, Step.REFUSE, refusal)
    if server is None:
        return Plan(action, token, Step.WAIT, "Waiting for the server to be created.")
    if is_gone(server.status):
        return Plan(action, token, Step.REFUSE, "The server no longer exists.")
    if is_unreachable(server.status):
        return Plan(action, token, Step.WAIT, _UNKNOWN_WAIT)
    if server.busy:
        what = server.task_state or server.status
        return Plan(action, token, Step.WAIT, f"Waiting for the server to finish {what}.")
    kind = ACTIONS[action]
    if kind.already is not None and server.status == kind.already:
        return Plan(action, token, Step.SKIP, kind.already_done)
    return Plan(action, token, Step.CALL)


def _refusal(
    action: Action, token: str, power_policy: PowerPolicy, managed: bool, server_name: str
) -> str:
    if not token.strip():
        return f"The value of {PREFIX}{action.value} must be a non-empty request token."
    if not managed:
        return (
            f"spec.managementPolicy is Unmanaged, so the operator only observes the server; set"
            f" spec.managementPolicy to Managed to {action.value} it."
        )
    if ACTIONS[action].power and power_policy is not PowerPolicy.MANUAL:
        return (
            f"spec.powerState is {power_policy.value}, so the operator keeps the power state itself;"
            f" set spec.powerState to Manual to {action.value} the server by annotation."
        )
    if action is Action.SNAPSHOT:
        name = snapshot_image_name(server_name, token)
        if len(name) > MAX_IMAGE_NAME:
            return (
                f"The snapshot image name {name[:40]!r}... would be {len(name)} characters;"
                f" Glance allows {MAX_IMAGE_NAME}. Use a shorter token."
            )
    return ""


def outcome(
    action: Action, server: ServerFacts | None, fault: str = ""
) -> tuple[ActionResult, str] | None:
    """Whether a power action that Nova accepted has finished, from an observation made *after* the
    call (nova-api sets the task before it answers, so such an observation shows either the task or
    its end). Snapshots finish in Glance instead: see :func:`snapshot_outcome`."""
    kind = ACTIONS[action]
    if kind.target is None:
        return None
    if server is None or is_gone(server.status):
        return ActionResult.FAILED, "The server disappeared while the action ran."
    if is_unreachable(server.status):  # its cell is down: the outcome will show when it is back
        return None
    if server.busy:  # a hard reboot of a server in ERROR keeps status ERROR while it runs
        return None
    if server.status == "ERROR":
        return ActionResult.FAILED, f"The server went to ERROR. {fault}".strip()
    if server.status == kind.target:
        return ActionResult.SUCCEEDED, kind.done
    return ActionResult.FAILED, f"The server ended {server.status}, not {kind.target}."


def snapshot_outcome(image_status: str | None) -> tuple[ActionResult, str] | None:
    if image_status == "active":
        return ActionResult.SUCCEEDED, "The snapshot image is active."
    if image_status in ("killed", "deleted", "pending_delete") or image_status is None:
        state = image_status or "gone"
        return ActionResult.FAILED, f"The snapshot image is {state}."
    return None
