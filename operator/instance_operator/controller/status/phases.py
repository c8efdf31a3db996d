"""How Nova's server states read in the Instance API. Pure functions of Nova's own fields.

Nova describes a server with three fields that move at different times: ``status`` (coarse, the API's
summary), ``OS-EXT-STS:task_state`` (the operation in flight, set by nova-api *before* it answers an
action) and ``OS-EXT-STS:power_state`` (what the hypervisor last reported). The phase reads the
first two; "busy" is what decides whether an action may be sent now or must wait.
"""

from __future__ import annotations

from instance_operator.api.models import Phase, PowerState

_PHASES = {
    "BUILD": Phase.BUILDING,
    "REBUILD": Phase.BUILDING,
    "ACTIVE": Phase.ACTIVE,
    "MIGRATING": Phase.ACTIVE,
    "PASSWORD": Phase.ACTIVE,
    "RESCUE": Phase.ACTIVE,
    "SHUTOFF": Phase.STOPPED,
    "PAUSED": Phase.STOPPED,
    "SUSPENDED": Phase.STOPPED,
    "SHELVED": Phase.STOPPED,
    "SHELVED_OFFLOADED": Phase.STOPPED,
    "REBOOT": Phase.REBOOTING,
    "HARD_REBOOT": Phase.REBOOTING,
    "RESIZE": Phase.RESIZING,
    "VERIFY_RESIZE": Phase.RESIZING,
    "REVERT_RESIZE": Phase.RESIZING,
    "ERROR": Phase.ERROR,
    "UNKNOWN": Phase.UNKNOWN,
    "DELETED": Phase.LOST,
    "SOFT_DELETED": Phase.LOST,
}

#: Statuses in which Nova is still working on the server even with no task_state.
_BUSY_STATUSES = frozenset(
    {
        "BUILD",
        "REBUILD",
        "REBOOT",
        "HARD_REBOOT",
        "RESIZE",
        "VERIFY_RESIZE",
        "REVERT_RESIZE",
        "MIGRATING",
    }
)

_POWER_STATES = {
    0: PowerState.NO_STATE,
    1: PowerState.RUNNING,
    3: PowerState.PAUSED,
    4: PowerState.SHUTDOWN,
    6: PowerState.CRASHED,
    7: PowerState.SUSPENDED,
}


def phase_of(status: str, task_state: str | None) -> Phase:
    """An ACTIVE server whose task is a reboot or resize already reads as such: nova-api sets the
    task before it answers, so the phase changes with the request, not a poll later."""
    if status == "ACTIVE" and task_state:
        if task_state.startswith("reboot"):
            return Phase.REBOOTING
        if task_state.startswith("resize"):
            return Phase.RESIZING
    return _PHASES.get(status, Phase.ERROR)


def is_busy(status: str, task_state: str | None) -> bool:
    return task_state is not None or status in _BUSY_STATUSES


def is_gone(status: str) -> bool:
    return status in ("DELETED", "SOFT_DELETED")


def is_unreachable(status: str) -> bool:
    """Nova cannot reach the server's cell (a down cell, 2.69+) and shows it as ``UNKNOWN`` with
    hardly any field: nothing may be sent to it, and nothing concluded from what is missing."""
    return status == "UNKNOWN"


def power_state_of(code: int | None) -> PowerState | None:
    if code is None:
        return None
    return _POWER_STATES.get(code, PowerState.NO_STATE)
