"""``/os-server-groups`` and the ``group`` scheduler hint: shapes per microversion, Nova's 400s,
placement by policy on a two-host cloud, membership and quota."""

from __future__ import annotations

from typing import Any

import pytest

from instance_operator.simulator import Simulator
from instance_operator.simulator.config import SimulatorConfig, fast_config
from tests.simulator.client import OpenStack
from tests.simulator.samples import load, needs_samples

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."
UNKNOWN_GROUP = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    return fast_config(compute_hosts=["compute-0", "compute-1"])


def make_group(client: OpenStack, body: dict[str, Any], version: str = "2.64") -> dict[str, Any]:
    response = client.post(
        "compute", "/os-server-groups", json={"server_group": body}, version=version
    )
    assert response.status_code == 200, response.text
    group: dict[str, Any] = response.json()["server_group"]
    return group


def refused(
    client: OpenStack, body: dict[str, Any], version: str = "2.64", status: int = 400
) -> str:
    response = client.post("compute", "/os-server-groups", json=body, version=version)
    assert response.status_code == status, response.text
    message: str = response.json()["badRequest" if status == 400 else "forbidden"]["message"]
    return message


def boot(client: OpenStack, group_id: str, name: str, hint_key: str = "os:scheduler_hints") -> str:
    body = {
        "server": {
            "name": name,
            "flavorRef": client.flavor_id("m1.tiny"),
            "imageRef": client.image_id(),
            "networks": "none",
        },
        hint_key: {"group": group_id},
    }
    response = client.post("compute", "/servers", json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["server"]["id"])


def group_of(client: OpenStack, group_id: str, version: str = "2.64") -> dict[str, Any]:
    response = client.get("compute", f"/os-server-groups/{group_id}", version=version)
    assert response.status_code == 200, response.text
    group: dict[str, Any] = response.json()["server_group"]
    return group


# ---- the API ---------------------------------------------------------------------------------


def test_create_list_show_delete_at_2_64(admin: OpenStack) -> None:
    group = make_group(
        admin, {"name": "web", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}
    )
    assert group == {
        "id": group["id"],
        "name": "web",
        "policy": "anti-affinity",
        "rules": {"max_server_per_host": 2},
        "members": [],
        "project_id": admin.project_id,
        "user_id": admin.user_id,
    }
    assert group_of(admin, group["id"]) == group
    listed = admin.get("compute", "/os-server-groups", version="2.64").json()["server_groups"]
    assert listed == [group]
    gone = admin.delete("compute", f"/os-server-groups/{group['id']}", version="2.64")
    assert gone.status_code == 204
    again = admin.delete("compute", f"/os-server-groups/{group['id']}", version="2.64")
    assert again.status_code == 404
    assert again.json()["itemNotFound"]["message"] == (
        f"Instance group {group['id']} could not be found."
    )
    assert admin.get("compute", f"/os-server-groups/{group['id']}").status_code == 404


def test_older_microversions_show_policies_and_metadata(admin: OpenStack) -> None:
    group = make_group(admin, {"name": "db", "policies": ["soft-affinity"]}, version="2.15")
    assert set(group) == {"id", "name", "policies", "metadata", "members", "project_id", "user_id"}
    assert (group["policies"], group["metadata"]) == (["soft-affinity"], {})
    old = group_of(admin, group["id"], version="2.1")
    assert old == {
        "id": group["id"],
        "name": "db",
        "policies": ["soft-affinity"],
        "metadata": {},
        "members": [],
    }
    modern = group_of(admin, group["id"], version="2.64")
    assert (modern["policy"], modern["rules"]) == ("soft-affinity", {})


@needs_samples
def test_the_2_64_body_has_the_sample_shape(admin: OpenStack) -> None:
    sample = load("nova/servers/v2.71/server-groups-post-resp.json")["server_group"]
    group = make_group(
        admin, load("nova/servers/v2.71/server-groups-post-req.json")["server_group"]
    )
    assert set(group) == set(sample)
    assert {k: type(v) for k, v in group.items()} == {k: type(v) for k, v in sample.items()}


def test_bad_bodies_get_novas_messages(admin: OpenStack) -> None:
    prefix = "Invalid input for field/attribute"
    assert refused(admin, {"server_group": {"name": "g", "policy": "spread"}}) == (
        f"{prefix} policy. Value: spread. 'spread' is not one of "
        "['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']"
    )
    assert refused(admin, {"server_group": {"policy": "affinity"}}).endswith(
        "'name' is a required property"
    )
    assert refused(admin, {"server_group": {"name": "g"}}).endswith(
        "'policy' is a required property"
    )
    affinity_rules = {"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}
    assert (
        refused(admin, {"server_group": affinity_rules})
        == "Only anti-affinity policy supports rules."
    )
    anti = {"name": "g", "policy": "anti-affinity"}
    assert refused(admin, {"server_group": {**anti, "rules": {"max_server_per_host": 0}}}) == (
        f"{prefix} max_server_per_host. Value: 0. 0 is less than the minimum of 1"
    )
    assert refused(admin, {"server_group": {**anti, "rules": {"max_server_per_host": "x"}}}) == (
        f"{prefix} max_server_per_host. Value: x. 'x' does not match '^[0-9]*$'"
    )
    assert refused(admin, {"server_group": {**anti, "rules": {"spread": 1}}}).endswith(
        "Additional properties are not allowed ('spread' was unexpected)"
    )
    assert refused(admin, {"server_group": {**anti, "policies": ["affinity"]}}).endswith(
        "Additional properties are not allowed ('policies' was unexpected)"
    )
    # Before 2.64: a list of exactly one policy, soft ones only from 2.15.
    assert refused(
        admin, {"server_group": {"name": "g", "policies": ["affinity", "anti-affinity"]}}, "2.63"
    ).endswith("['affinity', 'anti-affinity'] is too long")
    assert refused(admin, {"server_group": {"name": "g", "policies": []}}, "2.63").endswith(
        "[] should be non-empty"
    )
    assert refused(
        admin, {"server_group": {"name": "g", "policies": ["soft-affinity"]}}, "2.14"
    ) == (
        f"{prefix} 0. Value: soft-affinity. 'soft-affinity' is not one of "
        "['anti-affinity', 'affinity']"
    )
    assert refused(admin, {"server_group": {"name": "g", "policy": "affinity"}}, "2.63").endswith(
        "'policies' is a required property"
    )


def test_groups_are_per_project_and_all_projects_is_for_admins(
    admin: OpenStack, demo: OpenStack
) -> None:
    mine = make_group(demo, {"name": "demo-group", "policy": "affinity"})
    theirs = make_group(admin, {"name": "admin-group", "policy": "affinity"})
    assert demo.get("compute", f"/os-server-groups/{theirs['id']}").status_code == 404
    assert demo.delete("compute", f"/os-server-groups/{theirs['id']}").status_code == 404

    def names(client: OpenStack, **params: str) -> list[str]:
        response = client.get("compute", "/os-server-groups", params=params)
        assert response.status_code == 200, response.text
        return [g["name"] for g in response.json()["server_groups"]]

    assert names(demo) == names(demo, all_projects="True") == ["demo-group"]
    assert names(admin) == ["admin-group"]
    assert names(admin, all_projects="True") == ["demo-group", "admin-group"]
    assert names(admin, all_projects="True", limit="1", offset="1") == ["admin-group"]
    assert group_of(admin, mine["id"])["project_id"] == demo.project_id
    unknown = admin.get("compute", "/os-server-groups", params={"colour": "x"}, version="2.75")
    assert unknown.status_code == 400


def test_server_groups_quota(simulator: Simulator, admin: OpenStack) -> None:
    simulator.config.quota.server_groups = 1
    make_group(admin, {"name": "one", "policy": "affinity"})
    assert (
        refused(admin, {"server_group": {"name": "two", "policy": "affinity"}}, status=403)
        == "Quota exceeded, too many server groups."
    )
    limits = admin.get("compute", "/limits").json()["limits"]["absolute"]
    assert (limits["maxServerGroups"], limits["totalServerGroupsUsed"]) == (1, 1)


def test_server_group_members_quota(simulator: Simulator, admin: OpenStack) -> None:
    simulator.config.quota.server_group_members = 1
    group = make_group(admin, {"name": "g", "policy": "soft-affinity"})
    boot(admin, group["id"], "first")
    body = {
        "server": {
            "name": "second",
            "flavorRef": admin.flavor_id("m1.tiny"),
            "imageRef": admin.image_id(),
            "networks": "none",
        },
        "os:scheduler_hints": {"group": group["id"]},
    }
    response = admin.post("compute", "/servers", json=body)
    assert response.status_code == 403
    assert response.json()["forbidden"]["message"] == "Quota exceeded, too many servers in group"


# ---- booting into a group --------------------------------------------------------------------


def test_an_unknown_or_malformed_group_hint_is_a_400(admin: OpenStack) -> None:
    def create_refused(group: str) -> str:
        body = {
            "server": {
                "name": "x",
                "flavorRef": admin.flavor_id("m1.tiny"),
                "imageRef": admin.image_id(),
                "networks": "none",
            },
            "os:scheduler_hints": {"group": group},
        }
        response = admin.post("compute", "/servers", json=body)
        assert response.status_code == 400, response.text
        message: str = response.json()["badRequest"]["message"]
        return message

    assert create_refused(UNKNOWN_GROUP) == f"Instance group {UNKNOWN_GROUP} could not be found."
    assert create_refused("not-a-uuid") == (
        "Invalid input for field/attribute group. Value: not-a-uuid. 'not-a-uuid' is not a 'uuid'"
    )


def test_anti_affinity_uses_each_host_once_then_no_valid_host(admin: OpenStack) -> None:
    group = make_group(admin, {"name": "ha", "policy": "anti-affinity"})
    first = boot(admin, group["id"], "ha-1")
    second = boot(admin, group["id"], "ha-2", hint_key="OS-SCH-HNT:scheduler_hints")
    hosts = {admin.wait_for(s, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for s in (first, second)}
    assert hosts == {"compute-0", "compute-1"}
    third = boot(admin, group["id"], "ha-3")
    failed = admin.wait_for(third, "ERROR")
    assert failed["fault"]["code"] == 500
    assert failed["fault"]["message"] == NO_VALID_HOST
    assert failed["OS-EXT-SRV-ATTR:host"] is None
    assert failed["hostId"] == ""
    assert group_of(admin, group["id"])["members"] == [first, second, third]


def test_max_server_per_host_allows_that_many_per_host(admin: OpenStack) -> None:
    group = make_group(
        admin, {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}
    )
    ids = [boot(admin, group["id"], f"g-{n}") for n in range(5)]
    hosts = [admin.wait_for(s, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for s in ids[:4]]
    assert sorted(hosts) == ["compute-0", "compute-0", "compute-1", "compute-1"]
    assert admin.wait_for(ids[4], "ERROR")["fault"]["message"] == NO_VALID_HOST


def test_affinity_keeps_the_group_on_one_host(admin: OpenStack) -> None:
    admin.wait_for(admin.create_server("elsewhere")["id"], "ACTIVE")  # compute-0 now holds one
    group = make_group(admin, {"name": "together", "policy": "affinity"})
    ids = [boot(admin, group["id"], f"t-{n}") for n in range(3)]
    servers = [admin.wait_for(s, "ACTIVE") for s in ids]
    assert {s["OS-EXT-SRV-ATTR:host"] for s in servers} == {"compute-1"}
    assert len({s["hostId"] for s in servers}) == 1


def test_soft_anti_affinity_spreads_but_never_fails(admin: OpenStack) -> None:
    group = make_group(admin, {"name": "soft", "policy": "soft-anti-affinity"})
    ids = [boot(admin, group["id"], f"s-{n}") for n in range(5)]
    hosts = [admin.wait_for(s, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for s in ids]
    assert sorted(hosts) == ["compute-0", "compute-0", "compute-0", "compute-1", "compute-1"]


def test_soft_affinity_prefers_the_members_host(admin: OpenStack) -> None:
    admin.wait_for(admin.create_server("elsewhere")["id"], "ACTIVE")
    group = make_group(admin, {"name": "near", "policy": "soft-affinity"})
    ids = [boot(admin, group["id"], f"n-{n}") for n in range(3)]
    assert {admin.wait_for(s, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for s in ids} == {"compute-1"}


def test_deleting_a_member_frees_its_place(admin: OpenStack) -> None:
    group = make_group(admin, {"name": "ha", "policy": "anti-affinity"})
    first, second = boot(admin, group["id"], "a"), boot(admin, group["id"], "b")
    admin.wait_for(first, "ACTIVE")
    admin.wait_for(second, "ACTIVE")
    assert admin.delete("compute", f"/servers/{first}").status_code == 204
    admin.wait_gone(first)
    assert group_of(admin, group["id"])["members"] == [second]
    third = boot(admin, group["id"], "c")
    assert (
        admin.wait_for(third, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
        != (admin.server(second)["OS-EXT-SRV-ATTR:host"])
    )
    assert group_of(admin, group["id"])["members"] == [second, third]


def test_server_groups_field_from_2_71(admin: OpenStack) -> None:
    group = make_group(admin, {"name": "g", "policy": "affinity"})
    member = boot(admin, group["id"], "member")
    loner = admin.create_server("loner")["id"]
    assert admin.server(member, version="2.71")["server_groups"] == [group["id"]]
    assert admin.server(loner, version="2.71")["server_groups"] == []
    assert "server_groups" not in admin.server(member, version="2.70")
    detail = admin.get("compute", "/servers/detail", version="2.71").json()["servers"]
    assert all("server_groups" not in s for s in detail)
    renamed = admin.put(
        "compute", f"/servers/{member}", json={"server": {"name": "m"}}, version="2.71"
    )
    assert renamed.json()["server"]["server_groups"] == [group["id"]]
    # Deleting the group leaves its servers where they are, outside any group.
    assert admin.delete("compute", f"/os-server-groups/{group['id']}").status_code == 204
    assert admin.server(member, version="2.71")["server_groups"] == []


def test_default_hosts_spread_servers() -> None:
    with (
        Simulator(fast_config()).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as admin,
    ):
        assert sim.config.compute_hosts == ["compute-0", "compute-1", "compute-2"]
        ids = [admin.create_server(f"s-{n}")["id"] for n in range(3)]
        hosts = {admin.wait_for(s, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for s in ids}
        assert hosts == {"compute-0", "compute-1", "compute-2"}


def test_hosts_are_configurable_and_unique() -> None:
    config = SimulatorConfig.from_yaml("compute_hosts: [rack-a, rack-b]\n")
    assert config.compute_hosts == ["rack-a", "rack-b"]
    with pytest.raises(ValueError, match="listed twice"):
        SimulatorConfig(compute_hosts=["a", "a"])
    with pytest.raises(ValueError, match="at least 1"):
        SimulatorConfig(compute_hosts=[])
