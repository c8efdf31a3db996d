from __future__ import annotations

import pytest

from instance_operator.api.models import Phase, PowerState
from instance_operator.controller.status.phases import is_busy, phase_of, power_state_of


@pytest.mark.parametrize(
    ("status", "task", "phase"),
    [
        ("BUILD", "spawning", Phase.BUILDING),
        ("ACTIVE", None, Phase.ACTIVE),
        ("ACTIVE", "rebooting", Phase.REBOOTING),
        ("ACTIVE", "reboot_started_hard", Phase.REBOOTING),
        ("ACTIVE", "resize_prep", Phase.RESIZING),
        ("ACTIVE", "powering-off", Phase.ACTIVE),
        ("ACTIVE", "image_snapshot", Phase.ACTIVE),
        ("SHUTOFF", None, Phase.STOPPED),
        ("SHUTOFF", "powering-on", Phase.STOPPED),
        ("REBOOT", "rebooting", Phase.REBOOTING),
        ("HARD_REBOOT", "rebooting_hard", Phase.REBOOTING),
        ("RESIZE", "resize_migrating", Phase.RESIZING),
        ("VERIFY_RESIZE", None, Phase.RESIZING),
        ("ERROR", None, Phase.ERROR),
        ("DELETED", None, Phase.LOST),
        ("UNKNOWN", None, Phase.UNKNOWN),
        ("PAUSED", None, Phase.STOPPED),
        ("SOMETHING_NEW", None, Phase.ERROR),
    ],
)
def test_phase_follows_status_and_task(status: str, task: str | None, phase: Phase) -> None:
    assert phase_of(status, task) is phase


@pytest.mark.parametrize(
    ("status", "task", "busy"),
    [
        ("ACTIVE", None, False),
        ("SHUTOFF", None, False),
        ("ERROR", None, False),
        ("ACTIVE", "powering-off", True),
        ("BUILD", None, True),
        ("VERIFY_RESIZE", None, True),
        ("REBOOT", None, True),
    ],
)
def test_busy_means_nova_is_working(status: str, task: str | None, busy: bool) -> None:
    assert is_busy(status, task) is busy


def test_power_states_have_names() -> None:
    assert power_state_of(1) is PowerState.RUNNING
    assert power_state_of(4) is PowerState.SHUTDOWN
    assert power_state_of(None) is None
    assert power_state_of(42) is PowerState.NO_STATE
