"""Simulated clouds that answer in fractions of a second, for tests that wait on them."""

from __future__ import annotations

from instance_operator.simulator.config import Durations

FAST_CLOUD = Durations(
    build=0.3,
    stop=0.2,
    start=0.2,
    reboot=0.2,
    hard_reboot=0.3,
    resize=0.3,
    confirm_resize=0.1,
    snapshot_queued=0.2,
    snapshot_upload=0.3,
)
