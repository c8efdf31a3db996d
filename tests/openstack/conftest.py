"""A simulator shared by this package's HTTP-level tests, reset before each test.

Starting one per test would cost more than the tests; ``reset`` brings back the seeded cloud
(no servers, no tokens, no faults, zero counters), so tests stay independent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.config import CloudConfig, load_clouds_yaml
from instance_operator.openstack.metrics import MetricsHook
from instance_operator.openstack.settings import RetryPolicy, Settings
from instance_operator.simulator import Simulator, SimulatorConfig
from instance_operator.simulator.config import Durations

#: Fast settings for tests: short timeouts and backoff, no rate limit unless a test sets one.
FAST = Settings(
    connect_timeout=2.0,
    read_timeout=5.0,
    retry=RetryPolicy(retries=3, backoff_factor=0.05, backoff_jitter=0.0),
    rate_limit=None,
)

MakeCloud = Callable[..., Cloud]


#: Transitions a few times faster than the simulator's defaults, to keep the suite quick.
QUICK = Durations(
    build=0.2,
    stop=0.1,
    start=0.1,
    reboot=0.1,
    hard_reboot=0.2,
    resize=0.2,
    confirm_resize=0.05,
    snapshot_queued=0.1,
    snapshot_upload=0.2,
)


@pytest.fixture(scope="module")
def simulator() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(durations=QUICK)).running() as sim:
        yield sim


@pytest.fixture
def sim(simulator: Simulator) -> Simulator:
    simulator.reset()
    simulator.faults.clear()
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
