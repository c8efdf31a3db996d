"""Which status changes are not worth a write: Nova's steps inside one transition. Pure."""

from __future__ import annotations

from instance_operator.api.models import Condition, InstanceStatus, Phase

#: Phases in which Nova walks through several task states that users need not see one by one.
TRANSITIONS = frozenset({Phase.BUILDING, Phase.REBOOTING, Phase.RESIZING})
#: What may change inside a transition without being worth a write of its own.
PROGRESS_FIELDS = frozenset(
    {
        "task_state",
        "power_state",
        "server_status",
        "addresses",
        "flavor_id",
        "flavor_name",
        "image_id",
        "server_name",
        "conditions",
    }
)


def only_progress(old: InstanceStatus, new: InstanceStatus) -> bool:
    """True when ``new`` differs from ``old`` only by Nova's progress inside one transition
    (``scheduling`` -> ``networking`` -> ``spawning``...). Such changes are not written: the phase
    and every condition's status are the same, and the end of the transition is written anyway.
    This keeps an Instance at four writes from apply to Ready, however many steps Nova takes."""
    if new.phase not in TRANSITIONS or old.phase != new.phase:
        return False
    changed = {f for f in InstanceStatus.model_fields if getattr(old, f) != getattr(new, f)}
    return changed <= PROGRESS_FIELDS and _states(old.conditions) == _states(new.conditions)


def _states(conditions: list[Condition] | None) -> dict[str, str]:
    return {c.type: c.status for c in conditions or []}
