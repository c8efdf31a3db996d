"""HTTP-level tests run against the simulator (``instance_operator.simulator.testing``): a fresh
one per test, and clouds connected to it with fast settings, closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.config import CloudConfig, load_clouds_yaml
from instance_operator.openstack.metrics import MetricsHook
from instance_operator.openstack.settings import RetryPolicy, Settings
from instance_operator.simulator import Simulator
from instance_operator.simulator.testing import simulator, simulator_config, simulator_process

#: Fast settings for tests: short timeouts and backoff, no rate limit unless a test sets one.
FAST = Settings(
    connect_timeout=2.0,
    read_timeout=5.0,
    retry=RetryPolicy(retries=3, backoff_factor=0.05, backoff_jitter=0.0),
    rate_limit=None,
)

MakeCloud = Callable[..., Cloud]

__all__ = ["FAST", "MakeCloud", "simulator", "simulator_config", "simulator_process"]


@pytest.fixture
def sim(simulator: Simulator) -> Simulator:
    """The simulator team's fixture (a fresh in-process simulator with 50 ms transitions)."""
    return simulator


@pytest.fixture
def sim_config(sim: Simulator) -> CloudConfig:
    return load_clouds_yaml(sim.clouds_yaml(cloud_name="sim"), "sim")


@pytest.fixture
def make_cloud(sim_config: CloudConfig) -> Iterator[MakeCloud]:
    made: list[Cloud] = []

    def make(
        config: CloudConfig | None = None,
        settings: Settings = FAST,
        metrics: MetricsHook | None = None,
    ) -> Cloud:
        cloud = connect(config or sim_config, settings, metrics)
        made.append(cloud)
        return cloud

    yield make
    for cloud in made:
        cloud.close()
