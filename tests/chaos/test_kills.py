"""SIGKILL the operator at random moments: no server twice, none leaked, every action once."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from instance_operator.sandbox import Box, OperatorFlags, Sandbox, example_cloud
from instance_operator.simulator.config import Durations
from tests.chaos.conftest import LOG_LEVEL, SCALE
from tests.chaos.support import create_all, one_server_each, wait_all_ready, web

ACTION_PATH = "/v2.1/servers/{server_id}/action"
SEED = random.randrange(10**6)


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    cloud = example_cloud(Durations(build=1.0, reboot=0.5), faults={"latency": 0.01})
    with Sandbox(
        simulator=cloud,
        operator=OperatorFlags(fast_poll_interval=0.3, log_level=LOG_LEVEL),
        workdir=tmp_path_factory.mktemp("kills"),
    ).running() as running:
        yield running


def kill_storm(box: Box, kills: int, dice: random.Random, stop: threading.Event) -> int:
    """SIGKILL and restart the operator ``kills`` times at random moments; returns how many."""
    done = 0
    for _ in range(kills):
        if stop.wait(dice.uniform(0.2, 1.5)):
            break
        box.operator.kill()
        box.operator.start()
        done += 1
    return done


def test_kills_during_creates_make_one_server_each(box: Box, report: dict[str, Any]) -> None:
    dice = random.Random(SEED)
    names = {f"kill-{i:03d}" for i in range(SCALE.instances)}
    stop = threading.Event()
    started = time.monotonic()
    create_all(box, [web(n) for n in sorted(names)])
    kills = kill_storm(box, SCALE.kills, dice, stop)
    converged = wait_all_ready(box, names, timeout=120 + 10 * SCALE.instances)
    counts = one_server_each(box, names)
    report["kills_during_creates"] = {
        "seed": SEED,
        "instances": len(names),
        "kills": kills,
        "seconds_to_all_ready_after_last_kill": round(converged, 1),
        "seconds_total": round(time.monotonic() - started, 1),
        **counts,
    }


def test_kills_during_actions_carry_each_out_once(box: Box, report: dict[str, Any]) -> None:
    assert box.sim is not None
    dice = random.Random(SEED + 1)
    names = {o["metadata"]["name"] for o in box.cluster.instances()}
    before = box.sim.counters.count(method="POST", path=ACTION_PATH)
    for name in sorted(names):
        box.cluster.annotate(name, "reboot", "chaos-reboot")
    kills = kill_storm(box, SCALE.kills, dice, threading.Event())

    def all_succeeded() -> bool:
        records = [
            ((o.get("status") or {}).get("actions") or {}).get("reboot") or {}
            for o in box.cluster.instances()
        ]
        return all(
            r.get("token") == "chaos-reboot" and r.get("result") == "Succeeded" for r in records
        )

    box.cluster.wait("every reboot to succeed", all_succeeded, timeout=120 + 5 * len(names))
    calls = box.sim.counters.count(method="POST", path=ACTION_PATH) - before
    report["kills_during_actions"] = {
        "seed": SEED + 1,
        "instances": len(names),
        "kills": kills,
        "reboot_calls": calls,
    }
    assert calls == len(names)
