"""The operator SIGKILLed at the worst moments, then started again: nothing twice, nothing lost.

The worst moments are after a call to Nova and before the operator recorded its outcome. To land
the kill there every time, the Kubernetes API stops accepting the operator's writes (a ``hang``
fault) before the outcome can be written: the call goes out, its outcome cannot be written down,
and the kill follows. For the creates the hold is in place before the Instances exist (they come
with the finalizer, so the first write the operator makes is the one that records the server). For
the actions the write-ahead record must get through first: the cloud then answers slowly, so the
hold goes in while the call is on its way, with seconds to spare rather than a 0.3 s window.
"""

from __future__ import annotations

from typing import Any

from instance_operator.api import names
from instance_operator.openstack.cloud import Cloud
from instance_operator.sandbox import Box, Cluster, action_of
from tests.e2e.support import CREATE_PATH, action_calls, nova_actions, web

NAMES = ("web-1", "web-2", "web-3")
#: How long each compute call takes while the test puts the hold in place: ten times the 0.3 s
#: this used to be, so a loaded machine that takes a second to notice still lands in the window.
SLOW_CLOUD = 3.0


def servers_of(box: Box, cluster: Cluster) -> list[dict[str, Any]]:
    assert box.sim is not None
    return [s for s in box.sim.servers.list() if s["name"].startswith(f"{cluster.namespace}-")]


def hold_operator_writes(box: Box) -> None:
    assert box.kube is not None
    box.kube.faults.inject("hang", verbs=["patch", "update"], resource="instances", seconds=30)


def release(box: Box) -> None:
    assert box.kube is not None
    assert box.sim is not None
    box.kube.faults.clear()
    box.sim.faults.clear()


def test_killed_right_after_the_creates(box: Box, cluster: Cluster, cloud: Cloud) -> None:
    assert box.sim is not None
    creates = box.sim.counters.count(method="POST", path=CREATE_PATH)
    hold_operator_writes(box)
    for name in NAMES:
        instance = web(name)
        instance["metadata"]["finalizers"] = [names.FINALIZER]
        cluster.create(instance)
    cluster.wait("the servers to be created", lambda: len(servers_of(box, cluster)) == len(NAMES))
    box.operator.kill()
    release(box)
    assert not any("serverID" in cluster.status(n) for n in NAMES), "killed too late"

    box.operator.start()
    recorded = {cluster.wait_ready(n)["serverID"] for n in NAMES}
    assert recorded == {s["id"] for s in servers_of(box, cluster)}  # the same three, adopted
    assert box.sim.counters.count(method="POST", path=CREATE_PATH) - creates == len(NAMES)
    for server_id in recorded:
        assert nova_actions(cloud, server_id) == ["create"]


def test_killed_mid_action(box: Box, cluster: Cluster, cloud: Cloud) -> None:
    assert box.sim is not None
    for name in NAMES:
        cluster.create(web(name))
    server_ids = {n: cluster.wait_ready(n)["serverID"] for n in NAMES}
    calls = action_calls(box)
    # One action per Instance: an Instance's actions run one after the other.
    requests = [
        ("web-1", "reboot", "r1"),
        ("web-2", "hard-reboot", "h1"),
        ("web-3", "snapshot", "s1"),
    ]

    box.sim.faults.set(latency=SLOW_CLOUD, services=("compute",))
    for name, action, token in requests:
        cluster.annotate(name, action, token)

    def started(name: str, action: str, token: str) -> bool:
        record = action_of(cluster.get(name) or {}, action)
        return record.get("token") == token and "startedAt" in record

    cluster.wait("the actions to start", lambda: all(started(*r) for r in requests))
    hold_operator_writes(box)
    cluster.wait("the calls to Nova", lambda: action_calls(box) - calls == len(requests))
    box.operator.kill()
    release(box)
    for name, action, _ in requests:
        assert "requestID" not in action_of(cluster.get(name) or {}, action), "killed too late"

    box.operator.start()
    for name, action, token in requests:
        assert cluster.wait_action(name, action, token)["result"] == "Succeeded"
    assert action_calls(box) - calls == len(requests)
    expected = {"web-1": "reboot", "web-2": "reboot", "web-3": "createImage"}
    for name, server_id in server_ids.items():
        assert nova_actions(cloud, server_id) == ["create", expected[name]]
    assert len(cluster.status("web-3")["snapshots"]) == 1
