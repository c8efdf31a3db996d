"""A server whose Nova cell is down (status UNKNOWN): reported, left alone, resumed when back."""

from __future__ import annotations

from instance_operator.controller.runtime import Controller
from instance_operator.openstack.compute import instance_actions
from instance_operator.sandbox.cluster import action_of
from instance_operator.simulator import Simulator
from tests.controller.test_lifecycle import outsider, web
from tests.support.cluster import Cluster, wait_for


def changes_sent(sim: Simulator) -> int:
    """Requests that would change a server: every PUT, POST and DELETE to Nova but creates."""
    compute = [
        sim.counters.count(service="compute", method=method) for method in ("PUT", "POST", "DELETE")
    ]
    return sum(compute) - sim.counters.count(method="POST", path="/v2.1/servers")


def test_a_server_in_a_down_cell_is_left_alone_then_converged(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(metadata={"team": "a"}))
    before = cluster.wait_ready("web-1")
    server_id = before["serverID"]

    sim.servers.cell_down(server_id)
    cluster.wait_phase("web-1", "Unknown")
    ready = cluster.condition("web-1", "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "ServerUnknown")
    assert server_id in ready["message"]
    assert cluster.condition("web-1", "Degraded")["status"] == "False"  # nothing for the user
    cluster.wait_event("web-1", "Warning", "ServerUnknown")
    status = cluster.status("web-1")
    assert status["serverStatus"] == "UNKNOWN"
    for kept in ("addresses", "flavorName", "imageID", "serverName"):
        assert status[kept] == before[kept], f"the last known {kept} is kept"

    sent = changes_sent(sim)
    cluster.patch_spec("web-1", {"metadata": {"team": "b"}, "flavor": {"name": "m1.medium"}})
    cluster.annotate("web-1", "reboot", "while-down")
    wait_for(
        "the spec change and the action to be looked at",
        lambda: (
            cluster.status("web-1").get("observedGeneration") == 2
            and action_of(cluster.get("web-1") or {}, "reboot").get("result") == "Pending"
        ),
    )
    reboot = action_of(cluster.get("web-1") or {}, "reboot")
    assert "UNKNOWN" in reboot["message"]
    assert cluster.status("web-1")["phase"] == "Unknown"
    assert changes_sent(sim) == sent, "nothing may be sent to a server whose cell is down"

    sim.servers.cell_down(server_id, down=False)
    wait_for(
        "the server to be converged once its cell is back",
        lambda: (
            cluster.status("web-1").get("flavorName") == "m1.medium"
            and action_of(cluster.get("web-1") or {}, "reboot").get("result") == "Succeeded"
            and cluster.condition("web-1", "Ready").get("status") == "True"
        ),
        timeout=60,
    )
    server = sim.servers.get(server_id) or {}
    assert server["metadata"]["team"] == "b"
    assert server["status"] == "ACTIVE"
    cloud = outsider(sim)
    try:
        logged = [a.action for a in instance_actions.list_actions(cloud.compute, server_id)]
    finally:
        cloud.close()
    assert logged.count("reboot") == 1, f"Nova's action log: {logged}"
    assert logged.count("resize") == 1, f"Nova's action log: {logged}"
