"""Faults for a counted number of requests, then none.

Clearing faults on a timer ("attempts at 0, 0 and 0.8 s; clear at 0.3 s") races the client's
retries on a loaded machine. Counting the requests the faults hit does not: the Nth request to the
chosen services meets the faults, the next one does not, however long each took.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from instance_operator.simulator import Simulator
from instance_operator.simulator.faults import SERVICES, Decision


def fault_first(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, requests: int, **settings: Any
) -> None:
    """Set ``settings`` (faults at rate 1.0) and clear every fault once ``requests`` requests to
    ``settings["services"]`` (all services by default) have met them."""
    services = settings.get("services", SERVICES)
    roll = sim.faults.roll
    lock = threading.Lock()
    left = [requests]

    def counted(service: str) -> Decision:
        decision = roll(service)
        if service in services:
            with lock:
                left[0] -= 1
                if left[0] == 0:
                    sim.faults.clear()
        return decision

    sim.faults.set(**settings)
    monkeypatch.setattr(sim.faults, "roll", counted)
