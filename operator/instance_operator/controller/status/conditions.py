"""Compute the Instance's conditions from what the reconciler concluded. Pure: no I/O, no clock.

Three conditions carry the meaning (``Ready``, ``Progressing``, ``Degraded``) and two mirror them for
kstatus (``Reconciling`` = Progressing, ``Stalled`` = Degraded), which is what Flux and kpt read to
tell "still working" from "failed". ``lastTransitionTime`` moves only when a condition's status
changes, as the Kubernetes API conventions ask; otherwise a reason or message update would look like
a flap to anyone alerting on transitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from instance_operator.api.models import Condition, ConditionType, Phase
from instance_operator.controller.status.reasons import Reason


@dataclass(frozen=True)
class Problem:
    """Why the last reconcile could not do its job."""

    reason: Reason
    message: str
    #: Transient problems (5xx, timeouts) are retried quickly and show as Progressing; the others
    #: need the user and show as Degraded.
    transient: bool


@dataclass(frozen=True)
class Health:
    phase: Phase | None
    #: The current generation's spec has been applied to the server in full.
    spec_applied: bool
    #: Work in flight (a build, a resize, an action), or None when the server is settled.
    activity: Reason | None = None
    problem: Problem | None = None
    #: Sentences added to Ready's message whatever its state, e.g. that TLS is not verified.
    notes: tuple[str, ...] = ()
    #: An imported server's differences from the spec's immutable fields (empty: none); None
    #: when not compared in this pass (SpecMatched then stays as it was; a server the operator
    #: created never has it).
    differences: tuple[str, ...] | None = None


_PHASE_REASONS = {
    Phase.PENDING: Reason.CREATING,
    Phase.BUILDING: Reason.BUILDING,
    Phase.STOPPED: Reason.STOPPED,
    Phase.REBOOTING: Reason.REBOOTING,
    Phase.RESIZING: Reason.RESIZING,
    Phase.ERROR: Reason.SERVER_ERROR,
    Phase.DELETING: Reason.DELETING,
    Phase.LOST: Reason.SERVER_LOST,
    Phase.UNKNOWN: Reason.SERVER_UNKNOWN,
}

_PHASE_MESSAGES = {
    Phase.PENDING: "The server is being created.",
    Phase.BUILDING: "Nova is building the server.",
    Phase.STOPPED: "The server is stopped.",
    Phase.REBOOTING: "The server is rebooting.",
    Phase.RESIZING: "The server is being resized.",
    Phase.ERROR: "The server is in ERROR.",
    Phase.DELETING: "The server is being deleted.",
    Phase.LOST: "The server no longer exists in OpenStack.",
    Phase.UNKNOWN: "Nova cannot reach the server's cell: its state is unknown.",
}


def _ready(health: Health) -> tuple[bool, Reason, str]:
    problem = health.problem
    if problem is not None and not problem.transient:
        return False, problem.reason, problem.message
    if health.phase is Phase.DELETING:
        return False, Reason.DELETING, _PHASE_MESSAGES[Phase.DELETING]
    if health.activity is not None:
        return (
            False,
            health.activity,
            f"{health.activity.value}: the spec is not fully applied yet.",
        )
    if problem is not None:
        return False, problem.reason, problem.message
    if health.phase is Phase.ACTIVE and health.spec_applied:
        return True, Reason.READY, "The server is ACTIVE and the spec is applied."
    if health.phase is Phase.ACTIVE or health.phase is None:
        return False, Reason.UPDATING, "The spec is being applied to the server."
    return False, _PHASE_REASONS[health.phase], _PHASE_MESSAGES[health.phase]


def _progressing(health: Health) -> tuple[bool, Reason, str]:
    problem = health.problem
    if problem is not None and problem.transient:
        return True, problem.reason, problem.message
    if health.activity is not None:
        return True, health.activity, f"{health.activity.value}."
    if health.phase is Phase.PENDING and problem is not None:
        return (
            False,
            problem.reason,
            f"No server yet: it is created once the problem in Degraded ({problem.reason.value})"
            " is fixed.",
        )
    if health.phase is Phase.PENDING:
        return False, Reason.CREATING, "No server yet: waiting for the next pass to create it."
    return False, Reason.RECONCILED, "Nothing to do: the server matches the spec."


def _degraded(health: Health) -> tuple[bool, Reason, str]:
    problem = health.problem
    if problem is not None and not problem.transient:
        return True, problem.reason, problem.message
    return False, Reason.HEALTHY, "No problem found."


def _spec_matched(differences: tuple[str, ...]) -> tuple[bool, Reason, str]:
    if not differences:
        return True, Reason.SPEC_MATCHED, "The server matches every field the spec gives."
    return (
        False,
        Reason.IMPORTED_SERVER_DIFFERS,
        f"The imported server differs from the spec where Nova cannot change it in place:"
        f" {'; '.join(differences)}. The operator never recreates a server to match: correct"
        " the spec (these fields are immutable, so delete this Instance, which leaves an imported"
        " server running, and import it again), or leave it so.",
    )


def compute(
    health: Health,
    generation: int | None,
    previous: Iterable[Condition],
    now: datetime,
) -> list[Condition]:
    """The full ``status.conditions`` list, in a fixed order."""
    before = {c.type: c for c in previous}
    ready_flag, ready_reason, ready_message = _ready(health)
    ready = (ready_flag, ready_reason, " ".join((ready_message, *health.notes)))
    progressing = _progressing(health)
    degraded = _degraded(health)
    wanted = [
        (ConditionType.READY, ready),
        (ConditionType.PROGRESSING, progressing),
        (ConditionType.DEGRADED, degraded),
        (ConditionType.RECONCILING, progressing),
        (ConditionType.STALLED, degraded),
    ]
    if health.differences is not None:
        wanted.append((ConditionType.SPEC_MATCHED, _spec_matched(health.differences)))
    kept = [] if health.differences is not None else [before.get(ConditionType.SPEC_MATCHED)]
    out = []
    for kind, (flag, reason, message) in wanted:
        status = "True" if flag else "False"
        old = before.get(kind)
        since = old.last_transition_time if old is not None and old.status == status else None
        out.append(
            Condition(
                type=kind,
                status=status,
                reason=reason.value,
                message=message,
                # Kubernetes' timestamps have whole seconds.
                last_transition_time=since or now.astimezone(UTC).replace(microsecond=0),
                observed_generation=generation,
            )
        )
    out.extend(c for c in kept if c is not None)
    return out
