"""Annotation actions and spec.powerState, seen from kubectl and from Nova's action log."""

from __future__ import annotations

from instance_operator.api import names
from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute import servers
from instance_operator.sandbox import Box, Cluster
from tests.e2e.support import action_calls, nova_actions, web

#: Each action with its token, the status it leaves, and the Event that reports it.
SEQUENCE = [
    ("stop", "t-stop", "Stopped", "Stopped"),
    ("start", "t-start", "Active", "Started"),
    ("reboot", "t-reboot", "Active", "Rebooted"),
    ("hard-reboot", "t-hard", "Active", "Rebooted"),
    ("snapshot", "t-snap", "Active", "SnapshotCreated"),
]


def test_every_action_once_and_a_repeated_token_does_nothing(
    box: Box, cluster: Cluster, cloud: Cloud
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    calls = action_calls(box)

    for action, token, phase, reason in SEQUENCE:
        cluster.annotate("web-1", action, token)
        record = cluster.wait_action("web-1", action, token)
        assert record["result"] == "Succeeded", (action, record)
        assert record["requestID"].startswith("req-")
        cluster.wait_phase("web-1", phase)
        assert ("Normal", reason) in cluster.reasons("web-1"), action
    assert action_calls(box) - calls == len(SEQUENCE)
    (snapshot,) = cluster.status("web-1")["snapshots"]
    assert snapshot["imageName"] == f"{cluster.namespace}-web-1-t-snap"
    assert snapshot["state"] == "active"

    # Every annotation set again to the same token, with a spec change to make sure the
    # operator looks: nothing is carried out again.
    annotations = {names.Action(action).annotation: token for action, token, _, _ in SEQUENCE}
    cluster.patch("web-1", {"metadata": {"annotations": annotations}, "spec": {"tags": ["poke"]}})
    cluster.wait_ready("web-1")  # generation 2 handled
    assert action_calls(box) - calls == len(SEQUENCE)
    assert nova_actions(cloud, server_id) == [
        "create",
        "stop",
        "start",
        "reboot",
        "reboot",
        "createImage",
    ]

    cluster.annotate("web-1", "reboot", "t-reboot-2")  # a new token is a new request
    assert cluster.wait_action("web-1", "reboot", "t-reboot-2")["result"] == "Succeeded"
    assert action_calls(box) - calls == len(SEQUENCE) + 1


def test_a_refused_action_says_why(box: Box, cluster: Cluster) -> None:
    cluster.create(web(powerState="Running"))
    cluster.wait_ready("web-1")
    calls = action_calls(box)
    cluster.annotate("web-1", "stop", "no")
    record = cluster.wait_action("web-1", "stop", "no")
    assert record["result"] == "Failed"
    assert "powerState" in record["message"]
    assert ("Warning", "ActionRefused") in cluster.reasons("web-1")
    assert action_calls(box) == calls


def test_power_state_stopped_then_running_is_kept(cluster: Cluster, cloud: Cloud) -> None:
    cluster.create(web(powerState="Stopped"))
    status = cluster.wait_phase("web-1", "Stopped")
    server_id = status["serverID"]
    assert status["powerState"] == "Shutdown"
    assert servers.get(cloud.compute, server_id).status == "SHUTOFF"

    cluster.patch_spec("web-1", {"powerState": "Running"})
    status = cluster.wait_ready("web-1")
    assert status["phase"] == "Active"
    assert ("Normal", "Started") in cluster.reasons("web-1")

    # Someone stops it behind the operator's back: it is started again.
    servers.stop(cloud.compute, server_id)
    cluster.wait(
        "the operator to start the server again",
        lambda: nova_actions(cloud, server_id).count("start") == 2,
    )
    cluster.wait_ready("web-1")
    assert servers.get(cloud.compute, server_id).status == "ACTIVE"
