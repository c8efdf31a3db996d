"""Fixtures for running the operator against the simulator and the embedded Kubernetes API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from instance_operator.controller.runtime import Controller
from instance_operator.simulator import Simulator, SimulatorConfig
from tests.support.cluster import CLOUD, SECRET, Cluster, running_cluster
from tests.support.operator_thread import operator_running
from tests.support.timings import FAST_CLOUD


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(durations=FAST_CLOUD)).running() as simulator:
        yield simulator


@pytest.fixture
def cluster(tmp_path: Path, sim: Simulator) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as running:
        running.put_secret(SECRET, {"clouds.yaml": sim.clouds_yaml(cloud_name=CLOUD)})
        yield running


@pytest.fixture
def operator(cluster: Cluster) -> Iterator[Controller]:
    with operator_running(cluster.kubeconfig) as controller:
        yield controller
