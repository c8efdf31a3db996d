"""The simulator fixtures, and a small HTTP client the tests speak OpenStack with."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from instance_operator.simulator import Simulator
from instance_operator.simulator.testing import simulator, simulator_config, simulator_process
from tests.simulator.client import OpenStack

__all__ = ["simulator", "simulator_config", "simulator_process"]


@pytest.fixture
def admin(simulator: Simulator) -> Iterator[OpenStack]:
    """The seeded admin user, logged in on its project."""
    with OpenStack.login(simulator.auth_url, "admin", "admin") as client:
        yield client


@pytest.fixture
def demo(simulator: Simulator) -> Iterator[OpenStack]:
    """The seeded member user of the demo project."""
    with OpenStack.login(simulator.auth_url, "demo", "demo") as client:
        yield client
