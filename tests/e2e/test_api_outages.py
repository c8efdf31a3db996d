"""The Kubernetes API failing under the running operator as a real one fails, and the operator
recovering by itself: its watch cache re-initialised (410 on resume), watch streams cut
mid-event, and the whole API server gone for 15 s.

Each time, a spec change made during the outage is applied after it, and a reboot asked for
afterwards is carried out exactly once.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from kubernetes import client as k8s

from instance_operator.api import names
from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute import servers
from instance_operator.sandbox import Box, Cluster, KubeControls, WaitTimeout
from tests.e2e.support import action_calls, nova_actions, web

#: Generous: recovery takes kopf's backoff and a reconnect, on a loaded machine.
PATIENCE = 90.0
#: Seconds each compute call takes while an Instance should be mid-build.
SLOW_CLOUD = 1.0


def kube_of(box: Box) -> KubeControls:
    assert box.kube is not None
    return box.kube


def instance_lists(box: Box) -> int:
    return kube_of(box).counters.requests(verb="list", resource="instances")


def instance_watches(box: Box) -> int:
    return kube_of(box).counters.requests(verb="watch", resource="instances")


def has_finalizer(cluster: Cluster, name: str) -> bool:
    return names.FINALIZER in ((cluster.get(name) or {})["metadata"].get("finalizers") or [])


def ready_server(cluster: Cluster) -> str:
    cluster.create(web())
    server_id: str = cluster.wait_ready("web-1")["serverID"]
    return server_id


def then_everything_is_carried_out(
    box: Box, cluster: Cluster, cloud: Cloud, server_id: str, marker: str
) -> None:
    """The spec change made during the outage reaches Nova; a reboot asked for now runs once."""
    calls = action_calls(box)
    cluster.wait(
        f"the metadata outage={marker} on the server",
        lambda: servers.get(cloud.compute, server_id).metadata.get("outage") == marker,
        PATIENCE,
        about="web-1",
    )
    cluster.wait_ready("web-1", PATIENCE)

    cluster.annotate("web-1", "reboot", f"after-{marker}")
    record = cluster.wait_action("web-1", "reboot", f"after-{marker}", PATIENCE)
    assert record["result"] == "Succeeded", record
    # Once more through the operator (a spec change it must handle) before counting.
    cluster.patch_spec("web-1", {"tags": [f"after-{marker}"]})
    cluster.wait(
        "the tag on the server",
        lambda: f"after-{marker}" in (servers.get(cloud.compute, server_id).tags or []),
        PATIENCE,
        about="web-1",
    )
    assert nova_actions(cloud, server_id).count("reboot") == 1
    assert action_calls(box) - calls == 1
    # The outage was expected, and handled as such: nothing failed "unexpectedly".
    assert "unexpectedly" not in box.operator.log_text()


def test_watch_cache_reinitialised(box: Box, cluster: Cluster, cloud: Cloud) -> None:
    server_id = ready_server(cluster)
    kube = kube_of(box)
    lists = instance_lists(box)
    for attempt in range(5):
        # A write the operator does not watch, so that its last resourceVersion is older than
        # the re-initialised cache: its resume gets 410, and it lists again.
        name = f"nudge-{attempt}"
        cluster.core.create_namespaced_config_map(
            cluster.namespace, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=name))
        )
        kube.faults.inject("gone")
        if attempt == 0:
            cluster.patch_spec("web-1", {"metadata": {"outage": "gone"}})
        try:
            cluster.wait("a new list", lambda: instance_lists(box) > lists, PATIENCE / 6)
            break
        except WaitTimeout:
            continue  # a bookmark brought the operator up to date in between: again
    else:
        raise AssertionError("the operator never listed the Instances again after a 410")
    then_everything_is_carried_out(box, cluster, cloud, server_id, "gone")


@pytest.mark.parametrize(
    ("how", "cut"),
    [
        ("mid-event", {"events": 0, "midway": True}),
        ("at-random", {"seconds": 2.0}),
    ],
)
def test_watch_streams_cut(
    box: Box, cluster: Cluster, cloud: Cloud, how: str, cut: dict[str, Any]
) -> None:
    server_id = ready_server(cluster)
    kube = kube_of(box)
    watches = instance_watches(box)
    # The open watch and the next two: each cut halfway through its next event, or at a random
    # moment within 2 s.
    kube.faults.inject("cut", resource="instances", count=3, **cut)
    cluster.patch_spec("web-1", {"metadata": {"outage": how}})
    cluster.wait(
        "the operator to watch again after three cuts",
        lambda: instance_watches(box) >= watches + 3 and not kube.faults.rules(),
        PATIENCE,
        about="web-1",
    )
    then_everything_is_carried_out(box, cluster, cloud, server_id, how)


def refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except ConnectionRefusedError:
        return True
    return False


def test_api_server_down_for_15_seconds(box: Box, cluster: Cluster, cloud: Cloud) -> None:
    assert box.sim is not None
    server_id = ready_server(cluster)
    kube = kube_of(box)
    watches = instance_watches(box)
    # A second Instance is being built, slowly, when the API server goes: its status writes fail.
    box.sim.faults.set(latency=SLOW_CLOUD, services=("compute",))
    cluster.create(web("web-2"))
    cluster.wait("web-2's finalizer", lambda: has_finalizer(cluster, "web-2"), PATIENCE)
    kube.faults.inject("down", seconds=15)
    cluster.wait("the API server to be down", lambda: refused(kube.url), PATIENCE)
    box.sim.faults.clear()
    cluster.wait("the API server to be back", lambda: not refused(kube.url), PATIENCE)
    # As soon as it is back: the operator may well be still waiting to reconnect.
    cluster.patch_spec("web-1", {"metadata": {"outage": "down"}})
    cluster.wait("the operator to watch again", lambda: instance_watches(box) > watches, PATIENCE)
    then_everything_is_carried_out(box, cluster, cloud, server_id, "down")
    cluster.wait_ready("web-2", PATIENCE)
    assert "unexpectedly" not in box.operator.log_text()
