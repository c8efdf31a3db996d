"""The operator against the simulator: create, observe, update, delete, as a user sees it."""

from __future__ import annotations

from typing import Any

from instance_operator.api import names
from instance_operator.controller.runtime import Controller
from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.compute import servers
from instance_operator.openstack.config import load_clouds_yaml
from instance_operator.simulator import Simulator
from tests.support.cluster import Cluster, example, wait_for

ACTION_PATH = "/v2.1/servers/{server_id}/action"


def web(name: str = "web-1", **spec: Any) -> dict[str, Any]:
    instance = example("instance-minimal.yaml")
    instance["metadata"]["name"] = name
    instance["spec"]["networks"] = [{"name": "private"}]
    instance["spec"].update(spec)
    return instance


def outsider(sim: Simulator) -> Cloud:
    """Someone else with access to the project: changes made this way are out of band."""
    return connect(load_clouds_yaml(sim.clouds_yaml(cloud_name="other"), "other"))


def reasons(cluster: Cluster, name: str) -> list[tuple[str, str]]:
    return [(kind, reason) for kind, reason, _ in cluster.events(name)]


def test_create_reaches_ready_with_addresses(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    status = cluster.wait_ready("web-1")
    assert status["phase"] == "Active"
    assert status["powerState"] == "Running"
    assert status["flavorName"] == "m1.small"
    assert status["addresses"][0]["network"] == "private"
    assert status["addresses"][0]["version"] == 4
    assert status["observedGeneration"] == 1
    uid = cluster.get("web-1")["metadata"]["uid"]  # type: ignore[index]
    server = sim.servers.get(status["serverID"])
    assert server is not None
    assert server["name"] == "default-web-1"
    assert f"iop-uid-{uid}" in server["tags"]
    assert server["metadata"]["instance-operator.dev:uid"] == uid
    cluster.wait_event("web-1", "Normal", "Created")
    assert sim.servers.count() == 1


def test_four_writes_from_apply_to_ready(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    """kopf's finalizer, the server ID, Ready, and the Created Event: no more."""
    cluster.create(web())
    cluster.wait_ready("web-1")
    writes = cluster.kube.counters.writes("instances", "web-1", "default")
    assert writes - 1 <= 3  # minus the user's own create
    assert reasons(cluster, "web-1") == [("Normal", "Created")]
    annotations = cluster.get("web-1")["metadata"].get("annotations") or {}  # type: ignore[index]
    assert not [key for key in annotations if key.startswith(names.KOPF_PREFIX)]


def test_update_name_metadata_and_tags_in_place(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(metadata={"team": "a"}, tags=["blue"]))
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.patch_spec(
        "web-1",
        {"serverName": "renamed", "metadata": {"team": "b", "tier": "web"}, "tags": ["green"]},
    )

    def applied() -> bool:
        server = sim.servers.get(server_id) or {}
        ready = cluster.condition("web-1", "Ready")
        return (
            server.get("name") == "renamed"
            and server["metadata"].get("team") == "b"
            and "green" in server["tags"]
            and "blue" not in server["tags"]
            and ready.get("status") == "True"
            and ready.get("observedGeneration") == 2
        )

    wait_for("the spec change to reach the server", applied)
    server = sim.servers.get(server_id) or {}
    assert server["metadata"]["instance-operator.dev:name"] == "web-1"  # the operator's own stay
    assert any(t.startswith("iop-uid-") for t in server["tags"])
    assert cluster.status("web-1")["serverName"] == "renamed"
    cluster.wait_event("web-1", "Normal", "Updated")
    assert sim.servers.count() == 1


def test_flavor_change_resizes_and_confirms(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.patch_spec("web-1", {"flavor": {"name": "m1.medium"}})
    wait_for(
        "the resize to finish",
        lambda: (
            cluster.status("web-1").get("flavorName") == "m1.medium"
            and cluster.condition("web-1", "Ready").get("status") == "True"
        ),
    )
    server = sim.servers.get(server_id) or {}
    assert server["status"] == "ACTIVE"
    assert server["flavor"]["original_name"] == "m1.medium"
    cluster.wait_event("web-1", "Normal", "Resized")


def test_delete_removes_the_server_then_the_instance(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.delete("web-1")
    cluster.wait_gone("web-1")
    server = sim.servers.get(server_id)
    assert server is None or server["status"] == "DELETED"
    assert sim.servers.count() == 0


def test_orphan_leaves_the_server_without_the_operators_marks(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(deletionPolicy="Orphan", metadata={"team": "a"}))
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.delete("web-1")
    cluster.wait_gone("web-1")
    server = sim.servers.get(server_id) or {}
    assert server["status"] == "ACTIVE"
    assert not any(t.startswith("iop-uid-") for t in server["tags"])
    assert not any(k.startswith("instance-operator.dev:") for k in server["metadata"])
    assert server["metadata"]["team"] == "a"  # the user's metadata stays


def test_switching_to_orphan_releases_an_instance_whose_cloud_is_gone(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    sim.faults.set(error_rate=1.0, error_status=503)  # the cloud stops answering
    cluster.delete("web-1")
    stuck = "Cannot delete the server yet: OpenStack answered 503"
    wait_for(
        "the conditions to say why the deletion is stuck",
        lambda: stuck in cluster.condition("web-1", "Progressing").get("message", ""),
    )
    progressing = cluster.condition("web-1", "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "TransientError")
    assert "set spec.deletionPolicy to Orphan" in progressing["message"]
    assert cluster.condition("web-1", "Ready")["status"] == "False"
    assert cluster.status("web-1")["phase"] == "Deleting"
    assert ("Warning", "TransientError", progressing["message"]) in cluster.events("web-1")
    assert cluster.get("web-1") is not None
    assert (sim.servers.get(server_id) or {})["status"] == "ACTIVE"  # nothing was deleted
    cluster.patch_spec("web-1", {"deletionPolicy": "Orphan"})
    cluster.wait_gone("web-1", timeout=120)  # at kopf's next retry, 15 s after the last
    assert (sim.servers.get(server_id) or {})["status"] == "ACTIVE"  # released, not deleted


def test_server_deleted_out_of_band_is_lost_not_recreated(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    sim.servers.delete(server_id)
    lost = cluster.wait_condition("web-1", "Degraded", "ServerLost")
    assert server_id in lost["message"]
    status = cluster.status("web-1")
    assert status["phase"] == "Lost"
    assert cluster.condition("web-1", "Ready")["reason"] == "ServerLost"
    cluster.wait_event("web-1", "Warning", "ServerLost")
    assert sim.servers.count() == 0  # no silent re-creation
    cluster.delete("web-1")  # and a lost Instance can still be deleted
    cluster.wait_gone("web-1")


def test_out_of_band_stop_is_mirrored(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    servers.stop(outsider(sim).compute, server_id)
    wait_for(
        "the status to show the stop", lambda: cluster.status("web-1").get("phase") == "Stopped"
    )
    assert cluster.status("web-1")["powerState"] == "Shutdown"
    assert cluster.condition("web-1", "Ready")["status"] == "False"
    assert (
        sim.counters.count(method="POST", path=ACTION_PATH) == 1
    )  # Manual: the operator leaves it


def test_power_state_running_is_kept(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(powerState="Running"))
    server_id = cluster.wait_ready("web-1")["serverID"]
    servers.stop(outsider(sim).compute, server_id)
    wait_for(
        "the operator to start it again",
        lambda: sim.counters.count(method="POST", path=ACTION_PATH) >= 2,
    )
    cluster.wait_ready("web-1")
    cluster.wait_event("web-1", "Normal", "Started")


def test_power_state_stopped_is_kept(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(powerState="Stopped"))
    wait_for("the server to be stopped", lambda: cluster.status("web-1").get("phase") == "Stopped")
    wait_for(
        "Progressing to settle",
        lambda: cluster.condition("web-1", "Progressing").get("status") == "False",
    )
    server_id = cluster.status("web-1")["serverID"]
    assert (sim.servers.get(server_id) or {})["status"] == "SHUTOFF"
    cluster.patch_spec("web-1", {"powerState": "Running"})
    cluster.wait_ready("web-1")
