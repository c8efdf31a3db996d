"""Each crash window of an action call, forced: the operator is SIGKILLed at an exact point.

A call is: the write-ahead (a Running record) is stored, the POST goes to Nova, Nova acts, the
answer comes back, the request ID is stored. The servers the operator talks to hold the request
at the point under test (simulator and embedded-API pauses); the test kills the operator while
it is held, lets the request go on, starts a new operator and checks, by Nova's own action log,
that the reboot was carried out exactly once, under the request ID the status records.

The operator waits out an unknown call for connect + read timeout (10 s + OPENSTACK_TIMEOUT) before
calling again; the waits below allow five times the nominal duration of each step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from instance_operator.sandbox import Box, OperatorFlags, Sandbox, example_cloud
from instance_operator.simulator.config import Durations
from tests.chaos.conftest import LOG_LEVEL
from tests.chaos.nova_log import Logged, NovaLog, evidence
from tests.chaos.support import ready, web

ACTION_PATH = "/v2.1/servers/{server_id}/action"
OPENSTACK_TIMEOUT = 20.0
#: How long the operator waits out a call whose outcome it does not know.
IN_FLIGHT_LIMIT = 10.0 + OPENSTACK_TIMEOUT
#: Generous: a step takes seconds; a wait on an unknown call IN_FLIGHT_LIMIT more.
STEP = 60.0


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    cloud = example_cloud(Durations(build=0.5, reboot=0.5))
    flags = OperatorFlags(
        fast_poll_interval=0.3, log_level=LOG_LEVEL, openstack_timeout=OPENSTACK_TIMEOUT
    )
    with Sandbox(
        simulator=cloud, operator=flags, workdir=tmp_path_factory.mktemp("windows")
    ).running() as running:
        yield running


class Window:
    """One Instance, Ready, about to be rebooted with token ``token``."""

    def __init__(self, box: Box, name: str) -> None:
        self.box, self.name, self.token = box, name, f"{name}-once"
        box.cluster.create(web(name))
        box.cluster.wait(f"{name} to be Ready", lambda: ready(box.cluster.get(name) or {}), STEP)
        self.server_id: str = (box.cluster.get(name) or {})["status"]["serverID"]
        self.nova = NovaLog(box)
        self.log_start = len(box.operator.log_text())
        ns = box.cluster.namespace
        self.status_path = (
            f"/apis/instance-operator.dev/v1alpha1/namespaces/{ns}/instances/{name}/status"
        )

    def request(self) -> None:
        self.box.cluster.annotate(self.name, "reboot", self.token)

    def record(self) -> dict[str, Any]:
        status = (self.box.cluster.get(self.name) or {}).get("status") or {}
        record: dict[str, Any] = (status.get("actions") or {}).get("reboot") or {}
        return record

    def action_posts(self) -> dict[int, int]:
        assert self.box.sim is not None
        return {
            row.status: row.count
            for row in self.box.sim.counters.snapshot().requests
            if row.method == "POST" and row.path == ACTION_PATH
        }

    def new_log(self) -> str:
        """What the operator logged since this window began."""
        return self.box.operator.log_text()[self.log_start :]

    def kill_when(self, held: Any, what: str) -> None:
        """SIGKILL the operator once ``held()`` says the request is held at its point."""
        self.box.cluster.wait(what, lambda: held().reached >= 1, STEP, self.name)
        self.box.operator.kill()

    def restart(self) -> None:
        self.box.operator.start()

    def assert_once(self, recovery: str) -> Logged:
        """Succeeded, one reboot in Nova's log, under the recorded request ID; the new operator
        logged ``recovery`` (it met the window the test meant)."""
        record = self.box.cluster.wait_action(
            self.name, "reboot", self.token, timeout=STEP + 5 * IN_FLIGHT_LIMIT
        )
        log = self.nova.of(self.server_id)
        proof = evidence(None, {self.name: log})
        reboots = [entry for entry in log if entry.action == "reboot"]
        assert len(reboots) == 1, f"Nova rebooted {len(reboots)} times\n{proof}"
        assert record["result"] == "Succeeded", f"{record}\n{proof}"
        assert record.get("requestID") == reboots[0].request_id, f"{record}\n{proof}"
        assert recovery in self.new_log(), proof
        return reboots[0]


def test_killed_after_the_write_ahead_before_the_post(box: Box) -> None:
    assert box.kube is not None
    kube = box.kube
    w = Window(box, "win-ahead")
    before = w.action_posts()
    pause = kube.pauses.arm("after", "PATCH", w.status_path, contains='"result": "Running"')
    w.request()
    w.kill_when(lambda: kube.pauses.get(pause.id), "the write-ahead to be stored")
    kube.pauses.release(pause.id)
    assert w.record()["result"] == "Running"
    assert "requestID" not in w.record()
    assert w.action_posts() == before  # the call was never made
    w.restart()
    w.assert_once("never reached Nova")


def test_killed_mid_body(box: Box) -> None:
    """The POST's headers are in, its body not read: the connection breaks, Nova never acts."""
    assert box.sim is not None
    sim = box.sim
    w = Window(box, "win-body")
    before = w.action_posts()
    pause = sim.pauses.arm("received", "POST", ACTION_PATH)
    w.request()
    w.kill_when(lambda: sim.pauses.get(pause.id), "the reboot POST to arrive")
    box.cluster.wait(
        "the simulator to see the client gone", lambda: sim.pauses.get(pause.id).client_gone, STEP
    )
    sim.pauses.release(pause.id)
    box.cluster.wait(
        "the broken POST to be counted",
        lambda: w.action_posts().get(0, 0) > before.get(0, 0),
        STEP,
    )
    w.restart()
    w.assert_once("never reached Nova")
    after = w.action_posts()
    # Two attempts, one reboot: counting attempts is not counting what Nova did.
    assert after.get(202, 0) - before.get(202, 0) == 1
    assert after.get(0, 0) - before.get(0, 0) == 1


def test_killed_after_nova_acted_before_the_answer(box: Box) -> None:
    assert box.sim is not None
    sim = box.sim
    w = Window(box, "win-acted")
    pause = sim.pauses.arm("acted", "POST", ACTION_PATH)
    w.request()
    w.kill_when(lambda: sim.pauses.get(pause.id), "Nova to act on the reboot")
    sim.pauses.release(pause.id)
    w.restart()
    w.assert_once("had reached Nova as")


def test_killed_after_the_answer_before_the_request_id_is_stored(box: Box) -> None:
    assert box.kube is not None
    kube = box.kube
    w = Window(box, "win-answer")
    pause = kube.pauses.arm("before", "PATCH", w.status_path, contains='"requestID"')
    w.request()
    w.kill_when(lambda: kube.pauses.get(pause.id), "the request ID's write to arrive")
    box.cluster.wait(
        "the API to drop the write", lambda: kube.pauses.get(pause.id).client_gone, STEP
    )
    kube.pauses.release(pause.id)
    assert w.record()["result"] == "Running"
    assert "requestID" not in w.record()
    w.restart()
    w.assert_once("had reached Nova as")


def test_a_call_held_in_flight_past_the_restart_is_not_made_again(box: Box) -> None:
    """The POST is read but held before Nova acts; the operator that sent it dies; the new one
    finds nothing in Nova's log, says so in status and waits; the held call then acts, and is
    found. An operator that took the silent log for "never sent" would reboot twice."""
    assert box.sim is not None
    sim = box.sim
    w = Window(box, "win-held")
    pause = sim.pauses.arm("read", "POST", ACTION_PATH)
    w.request()
    w.kill_when(lambda: sim.pauses.get(pause.id), "the reboot POST to be read")
    w.restart()

    def answered() -> bool:
        """The new operator asked Nova's log: it says in status it waits, or it called again."""
        waits = "may still be on its way" in w.record().get("message", "")
        return waits or "never reached" in w.new_log()

    box.cluster.wait("the new operator to ask Nova's log about the call", answered, STEP, w.name)
    said = w.record().get("message", "")
    log = w.nova.of(w.server_id)
    assert [e for e in log if e.action == "reboot"] == [], (
        "Nova rebooted while the first call was still held: the new operator called again\n"
        + evidence(None, {w.name: log})
    )
    sim.pauses.release(pause.id)
    w.assert_once("had reached Nova as")
    assert "may still be on its way" in said


def test_an_earlier_reboot_in_the_same_second_is_not_taken_for_the_lost_call(box: Box) -> None:
    """Nova's ``updated`` is whole seconds. Reboot A starts and ends within one second (0.5 s
    here, half the time in the same second); reboot B is written ahead and its operator killed
    before the POST. Reading the log from ``updated`` on would find A and take it for B: B would
    never run. Two reboots in Nova's log, one per token."""
    assert box.kube is not None
    kube = box.kube
    w = Window(box, "win-second")
    box.cluster.annotate(w.name, "reboot", "first")
    first = box.cluster.wait_action(w.name, "reboot", "first", timeout=STEP)
    assert first["result"] == "Succeeded"
    pause = kube.pauses.arm("after", "PATCH", w.status_path, contains='"result": "Running"')
    w.request()
    w.kill_when(lambda: kube.pauses.get(pause.id), "the second write-ahead to be stored")
    kube.pauses.release(pause.id)
    w.restart()
    record = box.cluster.wait_action(w.name, "reboot", w.token, timeout=STEP + 5 * IN_FLIGHT_LIMIT)
    log = w.nova.of(w.server_id)
    reboots = [entry.request_id for entry in log if entry.action == "reboot"]
    proof = evidence(None, {w.name: log})
    assert len(reboots) == 2, f"{len(reboots)} reboots for two tokens\n{proof}"
    assert [first.get("requestID"), record.get("requestID")] == reboots, proof


def test_a_conflict_on_the_request_id_write_does_not_make_a_second_call(box: Box) -> None:
    """The request ID's write is answered 409 Conflict; the operator lives on, retries the pass
    as a new one, finds its own call in Nova's log and does not call again."""
    assert box.kube is not None
    kube = box.kube
    w = Window(box, "win-conflict")
    pause = kube.pauses.arm("before", "PATCH", w.status_path, contains='"requestID"')
    w.request()
    box.cluster.wait(
        "the request ID's write to arrive", lambda: kube.pauses.get(pause.id).reached, STEP
    )
    fault = kube.faults.inject("conflict", verbs=["patch"], resource="instances", count=1)
    kube.pauses.release(pause.id)
    try:
        box.cluster.wait(
            "the conflict to be answered",
            lambda: fault not in [rule["id"] for rule in kube.faults.rules()],
            STEP,
        )
        w.assert_once("had reached Nova as")
    finally:
        kube.faults.clear()
