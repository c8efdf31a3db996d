"""SIGKILL the operator at random moments inside its call windows: no server twice, none leaked,
every action carried out once, by Nova's own account.

The first kill of each storm is pinned inside a call window: the simulator holds the operator's
next create or action POST at a point (for actions one of: body unread, body read but Nova not yet
acting, Nova acted but no answer yet, chosen by the seed) and the operator is killed while it is
held. The others are random but aimed: each waits until the last kill's windows are closed, a
random moment, then for a call window to be open (a server tagged for an Instance whose status has
no serverID yet; a Running action record without a request ID), then kills. Status writes are slowed (an API latency fault) and some action calls
are held in the cloud before Nova acts on them (the hold fault), so windows are wide and a held
call can still arrive after the operator that sent it is dead. Whether a kill did land inside a
window is checked afterwards, from what the next operator had to recover. The exact windows, one
at a time, are in test_windows.py.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from instance_operator.api.names import SERVER_TAG_PREFIX
from instance_operator.sandbox import Box, OperatorFlags, Sandbox, example_cloud
from instance_operator.simulator.config import Durations
from tests.chaos.conftest import LOG_LEVEL, SCALE, SEED
from tests.chaos.nova_log import NovaLog, count, evidence, wrong_counts
from tests.chaos.support import create_all, one_server_each, wait_all_ready, web

ACTION_PATH = "/v2.1/servers/{server_id}/action"
CREATE_PATH = "/v2.1/servers"
#: Log lines of an operator that found a Running action record without a request ID.
RECOVERY_LINES = ("had reached Nova as", "never reached Nova", "may still be on its way")


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    cloud = example_cloud(Durations(build=1.0, reboot=0.5), faults={"latency": 0.01})
    flags = OperatorFlags(fast_poll_interval=0.3, log_level=LOG_LEVEL, openstack_timeout=10)
    with Sandbox(
        simulator=cloud, operator=flags, workdir=tmp_path_factory.mktemp("kills")
    ).running() as running:
        assert running.kube is not None
        running.kube.faults.inject("latency", verbs=["patch"], resource="instances", seconds=0.3)
        yield running


def kill_storm(box: Box, kills: int, dice: random.Random, window_open: Callable[[], bool]) -> int:
    """SIGKILL and restart the operator ``kills`` times; returns how many kills were aimed.

    Before each kill: the windows the last kill left open are closed by the new operator (up to
    30 s: an unknown call is waited out), a random pause, then a window this operator opened (up
    to 10 s; after that the kill is random)."""
    aimed = 0
    for _ in range(kills):
        wait_until(lambda: not window_open(), 30)
        time.sleep(dice.uniform(0.2, 1.5))
        hit = wait_until(window_open, 10)
        box.operator.kill()
        aimed += hit
        box.operator.start()
    return aimed


def pinned_kill(box: Box, point: str, path: str) -> None:
    """SIGKILL the operator while the simulator holds its next ``POST path`` at ``point``, then
    restart it: a kill inside a call window, certain to land (the rest of a storm is aimed, not
    certain)."""
    assert box.sim is not None
    sim = box.sim
    pause = sim.pauses.arm(point, "POST", path)
    box.cluster.wait(
        f"a POST {path} to reach {point!r}", lambda: sim.pauses.get(pause.id).reached, 60
    )
    box.operator.kill()
    if point == "received":  # released only once the simulator saw the client go: the body is lost
        box.cluster.wait(
            "the simulator to see the client gone", lambda: sim.pauses.get(pause.id).client_gone, 60
        )
    sim.pauses.release(pause.id)
    box.operator.start()


def wait_until(probe: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not (seen := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return seen


def test_kills_during_creates_make_one_server_each(box: Box, report: dict[str, Any]) -> None:
    assert box.sim is not None
    sim = box.sim
    dice = random.Random(SEED)
    names = {f"kill-{i:03d}" for i in range(SCALE.instances)}
    started = time.monotonic()
    create_all(box, [web(n) for n in sorted(names)])

    def create_window_open() -> bool:
        """A server is tagged for an Instance whose status does not name it yet."""
        recorded = {
            o["metadata"]["uid"]
            for o in box.cluster.instances()
            if (o.get("status") or {}).get("serverID")
        }
        tagged = {
            tag[len(SERVER_TAG_PREFIX) :]
            for server in sim.servers.list()
            for tag in server["tags"]
            if tag.startswith(SERVER_TAG_PREFIX)
        }
        return bool(tagged - recorded)

    pinned_kill(box, "acted", CREATE_PATH)
    aimed = kill_storm(box, SCALE.kills - 1, dice, create_window_open)
    converged = wait_all_ready(box, names, timeout=120 + 10 * SCALE.instances)
    counts = one_server_each(box, names)
    adopted = sum(
        1 for name in names for _, reason, _ in box.cluster.events(name) if reason == "Adopted"
    )
    report["kills_during_creates"] = {
        "seed": SEED,
        "instances": len(names),
        "kills": SCALE.kills,
        "kills_pinned_in_a_window": "acted",
        "kills_aimed_at_an_open_window": aimed,
        "servers_adopted_after_a_kill": adopted,
        "seconds_to_all_ready_after_last_kill": round(converged, 1),
        "seconds_total": round(time.monotonic() - started, 1),
        **counts,
    }
    assert adopted >= 1, (
        f"seed {SEED}: no kill landed between a create and the write of its server ID"
        f" (one pinned, {aimed} of {SCALE.kills - 1} others aimed at an open window)"
    )


def test_kills_during_actions_carry_each_out_once(box: Box, report: dict[str, Any]) -> None:
    assert box.sim is not None
    dice = random.Random(SEED + 1)
    instances = box.cluster.instances()
    server_ids = {o["metadata"]["name"]: o["status"]["serverID"] for o in instances}
    names = set(server_ids)
    nova = NovaLog(box)
    before = {name: count(log, "reboot") for name, log in nova.per_instance(server_ids).items()}
    accepted_before = box.sim.counters.count(method="POST", path=ACTION_PATH, status=202)
    log_before = len(box.operator.log_text())
    box.sim.faults.set(hold_rate=0.25, hold_seconds=1.0)
    for name in sorted(names):
        box.cluster.annotate(name, "reboot", "chaos-reboot")

    def records() -> list[dict[str, Any]]:
        return [
            ((o.get("status") or {}).get("actions") or {}).get("reboot") or {}
            for o in box.cluster.instances()
        ]

    def action_window_open() -> bool:
        return any(r.get("result") == "Running" and not r.get("requestID") for r in records())

    def all_succeeded() -> bool:
        return all(
            r.get("token") == "chaos-reboot" and r.get("result") == "Succeeded" for r in records()
        )

    try:
        pinned = dice.choice(["received", "read", "acted"])
        pinned_kill(box, pinned, ACTION_PATH)
        aimed = kill_storm(box, SCALE.kills - 1, dice, action_window_open)
        box.cluster.wait("every reboot to succeed", all_succeeded, timeout=120 + 5 * len(names))
    finally:
        box.sim.faults.set(hold_rate=0.0)
    logs = nova.per_instance(server_ids)
    counters = box.sim.counters.snapshot()
    accepted = counters.count(method="POST", path=ACTION_PATH, status=202) - accepted_before
    recovered = sum(box.operator.log_text()[log_before:].count(line) for line in RECOVERY_LINES)
    report["kills_during_actions"] = {
        "seed": SEED + 1,
        "instances": len(names),
        "kills": SCALE.kills,
        "kills_pinned_in_a_window": pinned,
        "kills_aimed_at_an_open_window": aimed,
        "recoveries_of_an_unresolved_call": recovered,
        "reboots_accepted": accepted,
        "action_posts_by_status": {
            str(row.status): row.count
            for row in counters.requests
            if row.method == "POST" and row.path == ACTION_PATH
        },
    }
    wrong = {
        name: n - before[name]
        for name, n in {name: count(log, "reboot") for name, log in logs.items()}.items()
        if n - before[name] != 1
    }
    assert not wrong, (
        f"reboots logged by Nova per server, where not exactly one: {wrong}\n"
        + evidence(SEED + 1, logs)
    )
    assert accepted == len(names), (
        f"Nova accepted {accepted} reboot calls for {len(names)} servers\n"
        + evidence(SEED + 1, logs)
    )
    assert recovered >= 1, (
        f"no kill landed inside a call window (one pinned at {pinned!r}, {aimed} of"
        f" {SCALE.kills - 1} others aimed at one)\n" + evidence(SEED + 1, logs)
    )
    assert wrong_counts({n: logs[n] for n in sorted(names)}, "create", 1) == {}, evidence(
        SEED + 1, logs
    )
