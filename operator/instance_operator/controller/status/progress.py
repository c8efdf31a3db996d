"""Which status changes are not worth a write: Nova's steps inside one transition. Pure."""

from __future__ import annotations

from typing import Any

from instance_operator.api.models import Phase

#: Phases in which Nova walks through several task states that users need not see one by one.
TRANSITIONS = frozenset({Phase.BUILDING.value, Phase.REBOOTING.value, Phase.RESIZING.value})
#: What may change inside a transition without being worth a write of its own.
PROGRESS_KEYS = frozenset(
    {
        "taskState",
        "powerState",
        "serverStatus",
        "addresses",
        "flavorID",
        "flavorName",
        "imageID",
        "serverName",
        "conditions",
    }
)


def only_progress(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when ``new`` differs from ``old`` only by Nova's progress inside one transition
    (``scheduling`` -> ``networking`` -> ``spawning``...). Such changes are not written: the phase
    and every condition's status are the same, and the end of the transition is written anyway.
    This keeps an Instance at four writes from apply to Ready, however many steps Nova takes."""
    if new.get("phase") not in TRANSITIONS or old.get("phase") != new.get("phase"):
        return False
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    return changed <= PROGRESS_KEYS and _condition_states(old) == _condition_states(new)


def _condition_states(status: dict[str, Any]) -> dict[str, str]:
    return {c.get("type", ""): c.get("status", "") for c in status.get("conditions") or []}
