"""spec.serverGroup (issue 17, 3): servers boot in an existing Nova server group, found by name or
ID, and a policy Nova cannot meet is reported with the group, its policy and the way out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from instance_operator.controller.runtime import Controller
from instance_operator.simulator import Simulator, SimulatorConfig
from tests.controller.test_lifecycle import web
from tests.simulator.client import OpenStack
from tests.support.cluster import Cluster
from tests.support.timings import FAST_CLOUD

HOSTS = ["compute-0", "compute-1"]
CREATE = "/v2.1/servers"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """Two compute hosts: an anti-affinity group has room for two members."""
    config = SimulatorConfig(durations=FAST_CLOUD, compute_hosts=HOSTS)
    with Simulator(config).running() as simulator:
        yield simulator


def make_group(sim: Simulator, name: str, policy: str) -> str:
    with OpenStack.login(sim.auth_url, "admin", "admin") as nova:
        body = {"server_group": {"name": name, "policy": policy}}
        answer = nova.post("compute", "/os-server-groups", json=body, version="2.64")
        assert answer.status_code == 200, answer.text
        return str(answer.json()["server_group"]["id"])


def host_of(sim: Simulator, server_id: str) -> str:
    server = sim.servers.get(server_id) or {}
    return str(server["OS-EXT-SRV-ATTR:host"])


def test_an_anti_affinity_pair_lands_on_two_hosts_and_a_third_member_is_explained(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    group = make_group(sim, "pair", "anti-affinity")
    for name in ("db-a", "db-b"):
        cluster.create(web(name, serverGroup={"name": "pair"}))
    for name in ("db-a", "db-b"):
        cluster.wait_ready(name)
        assert cluster.status(name)["serverGroupID"] == group
    servers = [cluster.status(n)["serverID"] for n in ("db-a", "db-b")]
    assert sorted(host_of(sim, s) for s in servers) == HOSTS

    cluster.create(web("db-c", serverGroup={"id": group}))
    degraded = cluster.wait_condition("db-c", "Degraded", "ServerError")
    message = degraded["message"]
    assert f"server group pair ({group}, policy anti-affinity)" in message
    assert "No valid host was found" in message
    assert "soft-anti-affinity" in message
    assert cluster.status("db-c")["serverGroupID"] == group
    event = cluster.wait_event("db-c", "Warning", "ServerError")
    assert "soft-anti-affinity" in event


def test_a_group_that_does_not_exist_creates_nothing_and_lists_those_there_are(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    make_group(sim, "pair", "anti-affinity")
    cluster.create(web(serverGroup={"name": "pear"}))
    degraded = cluster.wait_condition("web-1", "Degraded", "ServerGroupNotFound")
    assert "spec.serverGroup.name: no server group named 'pear'" in degraded["message"]
    assert "Server groups: pair" in degraded["message"]
    assert sim.counters.count(method="POST", path=CREATE) == 0


GROUPS = "/v2.1/os-server-groups"


def groups_named(sim: Simulator, name: str) -> list[dict[str, object]]:
    with OpenStack.login(sim.auth_url, "admin", "admin") as nova:
        listed = nova.get("compute", "/os-server-groups", version="2.64").json()["server_groups"]
        return [g for g in listed if g["name"] == name]


def test_a_group_to_create_is_made_once_shared_and_deleted_with_the_last_instance(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    create = {"create": {"name": "pair", "policy": "anti-affinity"}}
    for name in ("db-a", "db-b"):  # created together: one group for both
        cluster.create(web(name, serverGroup=create))
    for name in ("db-a", "db-b"):
        cluster.wait_ready(name)
    (group,) = groups_named(sim, "pair")
    assert group["policy"] == "anti-affinity"
    assert sim.counters.count(method="POST", path=GROUPS) == 1
    servers = [cluster.status(n)["serverID"] for n in ("db-a", "db-b")]
    assert sorted(group["members"]) == sorted(servers)  # type: ignore[arg-type]
    assert {cluster.status(n)["serverGroupID"] for n in ("db-a", "db-b")} == {group["id"]}
    assert sorted(host_of(sim, s) for s in servers) == HOSTS

    cluster.delete("db-a")
    cluster.wait_gone("db-a")
    assert [g["id"] for g in groups_named(sim, "pair")] == [group["id"]]  # db-b still uses it
    cluster.delete("db-b")
    cluster.wait_gone("db-b")
    assert groups_named(sim, "pair") == []
    assert sim.counters.count(method="DELETE", path=GROUPS + "/{group_id}") == 1


def test_an_orphaned_member_keeps_the_created_group(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    create = {"create": {"name": "solo", "policy": "soft-anti-affinity"}}
    cluster.create(web("db-a", serverGroup=create, deletionPolicy="Orphan"))
    server = cluster.wait_ready("db-a")["serverID"]
    cluster.delete("db-a")
    cluster.wait_gone("db-a")
    (group,) = groups_named(sim, "solo")
    assert group["members"] == [server]


def test_a_group_of_that_name_with_another_policy_is_not_used(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    existing = make_group(sim, "pair", "affinity")
    cluster.create(web(serverGroup={"create": {"name": "pair", "policy": "anti-affinity"}}))
    degraded = cluster.wait_condition("web-1", "Degraded", "GroupPolicyMismatch")
    assert (
        f"server group pair ({existing}) has policy affinity, not anti-affinity"
        in (degraded["message"])
    )
    assert sim.counters.count(method="POST", path=CREATE) == 0
    assert sim.counters.count(method="POST", path=GROUPS) == 1  # make_group's own
