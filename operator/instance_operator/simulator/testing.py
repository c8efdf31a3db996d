"""pytest fixtures and a subprocess runner for the simulator.

In a ``conftest.py``::

    from instance_operator.simulator.testing import simulator, simulator_config, simulator_process

``simulator`` runs in-process (fast, direct state access); ``simulator_process`` runs
``instance-operator simulator`` as a child process, controlled over ``/_sim``, for end-to-end
tests and benchmarks. Both use the ``simulator_config`` fixture (50 ms durations); override it
in a conftest to change the cloud.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from instance_operator.simulator.config import SimulatorConfig, fast_config
from instance_operator.simulator.remote import RemoteSimulator
from instance_operator.simulator.runner import Simulator

_START_TIMEOUT = 30.0


class SimulatorProcess:
    """``instance-operator simulator --port 0`` in a child process, stopped on exit."""

    def __init__(
        self, config: SimulatorConfig | None = None, *, workdir: Path | None = None
    ) -> None:
        self.config = config or SimulatorConfig()
        self._workdir = workdir
        #: The clouds.yaml the process wrote (set while running).
        self.clouds_yaml_path: Path | None = None

    @contextmanager
    def running(self) -> Iterator[RemoteSimulator]:
        with tempfile.TemporaryDirectory(prefix="simulator-") as scratch:
            workdir = self._workdir or Path(scratch)
            config_path = workdir / "simulator.yaml"
            config_path.write_text(self.config.to_yaml())
            self.clouds_yaml_path = workdir / "clouds.yaml"
            command = [
                sys.executable, "-m", "instance_operator", "simulator", "--port", "0",
                "--config", str(config_path), "--clouds-yaml", str(self.clouds_yaml_path),
            ]  # fmt: skip
            with (workdir / "simulator.log").open("w") as log:
                process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    command, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ}
                )
                try:
                    remote = RemoteSimulator(_first_line(process), self.config)
                    try:
                        yield remote
                    finally:
                        remote.close()
                finally:
                    process.terminate()
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                    if process.stdout is not None:
                        process.stdout.close()


def _first_line(process: subprocess.Popen[str]) -> str:
    """The auth URL the child prints once it listens; fails if it exits or stays silent."""
    assert process.stdout is not None
    deadline = time.monotonic() + _START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = process.stdout.readline().strip()
                if line:
                    return line
            if process.poll() is not None:
                break
    raise RuntimeError(f"the simulator process did not start (exit code {process.poll()})")


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """The cloud the ``simulator`` fixtures start; override this fixture to change it."""
    return fast_config()


@pytest.fixture
def simulator(simulator_config: SimulatorConfig) -> Iterator[Simulator]:
    with Simulator(simulator_config).running() as sim:
        yield sim


@pytest.fixture
def simulator_process(
    simulator_config: SimulatorConfig, tmp_path: Path
) -> Iterator[RemoteSimulator]:
    with SimulatorProcess(simulator_config, workdir=tmp_path).running() as sim:
        yield sim


__all__ = ["SimulatorProcess", "simulator", "simulator_config", "simulator_process"]
