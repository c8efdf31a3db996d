"""Annotation actions: each token carried out exactly once, with results in status and Events."""

from __future__ import annotations

import pytest

from instance_operator.controller.runtime import Controller
from instance_operator.sandbox.cluster import action_of
from instance_operator.simulator import Simulator
from tests.controller.test_lifecycle import ACTION_PATH, web
from tests.support.cluster import Cluster, wait_for
from tests.support.operator_thread import operator_running


def action_calls(sim: Simulator) -> int:
    return sim.counters.count(method="POST", path=ACTION_PATH)


def test_stop_then_start(cluster: Cluster, sim: Simulator, operator: Controller) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.annotate("web-1", "stop", "t1")
    record = cluster.wait_action("web-1", "stop", "t1")
    assert record["result"] == "Succeeded", record
    assert record["requestID"].startswith("req-")
    assert (sim.servers.get(server_id) or {})["status"] == "SHUTOFF"
    assert cluster.status("web-1")["phase"] == "Stopped"

    cluster.annotate("web-1", "start", "t2")
    assert cluster.wait_action("web-1", "start", "t2")["result"] == "Succeeded"
    cluster.wait_ready("web-1")
    assert action_calls(sim) == 2
    cluster.wait_event("web-1", "Normal", "Stopped")
    cluster.wait_event("web-1", "Normal", "Started")


def test_a_token_is_carried_out_once(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "reboot", "once")
    assert cluster.wait_action("web-1", "reboot", "once")["result"] == "Succeeded"
    assert action_calls(sim) == 1
    cluster.annotate("web-1", "reboot", "once")  # the same value again
    cluster.patch_spec("web-1", {"tags": ["poke"]})  # and a reason to reconcile
    wait_for(
        "the tag to be applied",
        lambda: cluster.condition("web-1", "Ready").get("observedGeneration") == 2,
    )
    assert action_calls(sim) == 1
    cluster.annotate("web-1", "reboot", "twice")
    assert cluster.wait_action("web-1", "reboot", "twice")["result"] == "Succeeded"
    assert action_calls(sim) == 2
    cluster.wait_event("web-1", "Normal", "Rebooted")


def test_stop_on_a_stopped_server_succeeds_without_a_call(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "stop", "a")
    cluster.wait_action("web-1", "stop", "a")
    cluster.annotate("web-1", "stop", "b")
    record = cluster.wait_action("web-1", "stop", "b")
    assert record["result"] == "Succeeded"
    assert "already stopped" in record["message"]
    assert action_calls(sim) == 1


def test_hard_reboot(cluster: Cluster, sim: Simulator, operator: Controller) -> None:
    cluster.create(web())
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "hard-reboot", "h1")
    assert cluster.wait_action("web-1", "hard-reboot", "h1")["result"] == "Succeeded"
    cluster.wait_ready("web-1")


def test_soft_reboot_of_a_stopped_server_fails_with_novas_reason(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "stop", "s")
    cluster.wait_action("web-1", "stop", "s")
    cluster.annotate("web-1", "reboot", "r")
    record = cluster.wait_action("web-1", "reboot", "r")
    assert record["result"] == "Failed"
    assert "Nova refused" in record["message"]
    cluster.wait_event("web-1", "Warning", "ActionFailed")


def test_snapshot_names_the_image_after_the_token(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "snapshot", "before-upgrade")
    record = cluster.wait_action("web-1", "snapshot", "before-upgrade")
    assert record["result"] == "Succeeded", record
    (snapshot,) = cluster.status("web-1")["snapshots"]
    assert snapshot["imageName"] == "default-web-1-before-upgrade"
    assert snapshot["state"] == "active"
    assert snapshot["imageID"]
    cluster.wait_event("web-1", "Normal", "SnapshotCreated")


def test_start_and_stop_are_refused_when_the_operator_owns_power(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(powerState="Running"))
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "stop", "no")
    record = cluster.wait_action("web-1", "stop", "no")
    assert record["result"] == "Failed"
    assert "spec.powerState is Running" in record["message"]
    assert action_calls(sim) == 0
    cluster.wait_event("web-1", "Warning", "ActionRefused")


def test_an_action_requested_at_creation_waits_for_the_build(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    instance = web()
    instance["metadata"]["annotations"] = {"instance-operator.dev/snapshot": "first"}
    cluster.create(instance)
    record = cluster.wait_action("web-1", "snapshot", "first")
    assert record["result"] == "Succeeded"
    assert action_calls(sim) == 1


def test_a_failed_build_shows_novas_fault_and_stays_watched(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    sim.faults.set(error_next_builds=1)
    cluster.create(web())
    degraded = cluster.wait_condition("web-1", "Degraded", "ServerError")
    assert "No valid host" in degraded["message"]
    status = cluster.status("web-1")
    assert status["phase"] == "Error"
    assert "No valid host" in status["fault"]["message"]
    assert cluster.condition("web-1", "Ready")["reason"] == "ServerError"
    # A hard reboot is not refused by the operator; Nova decides (a never-launched server: 409).
    cluster.annotate("web-1", "hard-reboot", "try")
    record = cluster.wait_action("web-1", "hard-reboot", "try")
    assert record["result"] == "Failed"
    assert "Nova refused" in record["message"]


def test_a_hard_reboot_brings_a_server_back_from_error(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    sim.servers.fail(server_id, message="host died")
    cluster.wait_condition("web-1", "Degraded", "ServerError")
    assert cluster.status("web-1")["fault"]["message"] == "host died"
    cluster.annotate("web-1", "hard-reboot", "fix")
    record = cluster.wait_action("web-1", "hard-reboot", "fix")
    assert record["result"] == "Succeeded", record
    cluster.wait_ready("web-1")
    status = cluster.status("web-1")
    assert status["phase"] == "Active"
    assert "fault" not in status
    cluster.wait_event("web-1", "Normal", "Rebooted")


def test_restart_mid_action_carries_it_out_once(
    cluster: Cluster, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator dies after Nova took the reboot and before the request ID is written: from
    the moment Nova has acted (before its answer leaves) the Kubernetes API takes no more writes,
    which is all a crash looks like from outside. The next operator finds the call in Nova's
    action log instead of making it again."""
    record = sim.counters.record  # called once the answer is ready, before it is sent
    crashed: list[int] = []

    def answered(service: str, method: str, path: str, status: int) -> None:
        if (method, path, status) == ("POST", ACTION_PATH, 202) and not crashed:
            crashed.append(cluster.kube.faults.inject("error"))  # every write, from now on
        record(service, method, path, status)

    with operator_running(cluster.kubeconfig):
        cluster.create(web())
        cluster.wait_ready("web-1")
        monkeypatch.setattr(sim.counters, "record", answered)
        cluster.annotate("web-1", "reboot", "r1")
        wait_for("the reboot to be called", lambda: action_calls(sim) == 1)
    cluster.kube.faults.clear()
    left = action_of(cluster.get("web-1") or {}, "reboot")
    assert (left["token"], left["result"], left.get("requestID")) == ("r1", "Running", None)
    with operator_running(cluster.kubeconfig):
        assert cluster.wait_action("web-1", "reboot", "r1")["result"] == "Succeeded"
        cluster.wait_ready("web-1")
    assert action_calls(sim) == 1
