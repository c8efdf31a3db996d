"""Metadata, tags, IPs, security groups and instance actions of a server."""

from __future__ import annotations

from instance_operator.simulator import Simulator
from tests.simulator.client import OpenStack


def test_metadata(admin: OpenStack) -> None:
    server_id = admin.create_server(metadata={"a": "1"})["id"]
    path = f"/servers/{server_id}/metadata"
    building = admin.put("compute", path, json={"metadata": {"b": "2"}})
    assert building.status_code == 409
    assert building.json()["conflictingRequest"]["message"] == (
        f"Cannot 'update metadata' instance {server_id} while it is in vm_state building"
    )
    admin.wait_for(server_id, "ACTIVE")
    assert admin.get("compute", path).json() == {"metadata": {"a": "1"}}
    assert admin.post("compute", path, json={"metadata": {"b": "2"}}).json() == {
        "metadata": {"a": "1", "b": "2"}
    }
    assert admin.put("compute", path, json={"metadata": {"team": "x"}}).json() == {
        "metadata": {"team": "x"}
    }
    assert admin.get("compute", f"{path}/team").json() == {"meta": {"team": "x"}}
    assert admin.put("compute", f"{path}/k", json={"meta": {"k": "v"}}).json() == {
        "meta": {"k": "v"}
    }
    mismatch = admin.put("compute", f"{path}/k", json={"meta": {"other": "v"}})
    assert mismatch.json()["badRequest"]["message"] == "Request body and URI mismatch"
    assert admin.delete("compute", f"{path}/k").status_code == 204
    missing = admin.get("compute", f"{path}/k")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Metadata item was not found"
    bad = admin.put("compute", path, json={"metadata": {"a/b": "c"}})
    assert "does not match any of the regexes" in bad.json()["badRequest"]["message"]


def test_tags(admin: OpenStack) -> None:
    server_id = admin.create_server()["id"]
    admin.wait_for(server_id, "ACTIVE")
    path = f"/servers/{server_id}/tags"
    assert admin.put("compute", path, json={"tags": ["z", "a"]}).json() == {"tags": ["a", "z"]}
    added = admin.put("compute", f"{path}/new")
    assert added.status_code == 201
    assert added.headers["Location"].endswith(f"{path}/new")
    assert admin.put("compute", f"{path}/new").status_code == 204
    assert admin.get("compute", f"{path}/new").status_code == 204
    assert admin.get("compute", path).json() == {"tags": ["a", "new", "z"]}
    assert admin.delete("compute", f"{path}/a").status_code == 204
    gone = admin.get("compute", f"{path}/a")
    assert gone.json()["itemNotFound"]["message"] == f"Server {server_id} has no tag 'a'"
    missing = admin.delete("compute", f"{path}/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "itemNotFound": {"code": 404, "message": f"Instance {server_id} has no tag 'nope'"}
    }
    assert admin.delete("compute", path).status_code == 204
    assert admin.get("compute", path).json() == {"tags": []}
    assert admin.get("compute", path, version="2.25").status_code == 404


def test_ips(admin: OpenStack) -> None:
    server_id = admin.create_server(networks="auto")["id"]
    admin.wait_for(server_id, "ACTIVE")
    everything = admin.get("compute", f"/servers/{server_id}/ips").json()
    assert set(everything["addresses"]["private"][0]) == {"version", "addr"}
    one = admin.get("compute", f"/servers/{server_id}/ips/private").json()
    assert one == {"private": everything["addresses"]["private"]}
    missing = admin.get("compute", f"/servers/{server_id}/ips/public")
    assert (
        missing.json()["itemNotFound"]["message"] == "Instance is not a member of specified network"
    )


def test_security_group_actions(admin: OpenStack) -> None:
    server_id = admin.create_server(networks="auto")["id"]
    bare_id = admin.create_server("bare")["id"]
    admin.wait_for(server_id, "ACTIVE")
    groups = admin.get("compute", f"/servers/{server_id}/os-security-groups").json()[
        "security_groups"
    ]
    assert [g["name"] for g in groups] == ["default"]
    assert {r["group"]["name"] for r in groups[0]["rules"]} == {"default"}
    unknown = admin.action(server_id, {"addSecurityGroup": {"name": "web"}})
    assert unknown.status_code == 404
    assert (
        unknown.json()["itemNotFound"]["message"]
        == f"Security group web is not found for project {admin.project_id}"
    )
    not_there = admin.action(server_id, {"removeSecurityGroup": {"name": "default"}})
    assert not_there.status_code == 202
    again = admin.action(server_id, {"removeSecurityGroup": {"name": "default"}})
    assert again.json()["itemNotFound"]["message"] == (
        f"Security group default not associated with the instance {server_id}"
    )
    assert "security_groups" not in admin.server(server_id)
    assert admin.action(server_id, {"addSecurityGroup": {"name": "default"}}).status_code == 202
    assert admin.server(server_id)["security_groups"] == [{"name": "default"}]
    no_ports = admin.action(bare_id, {"addSecurityGroup": {"name": "default"}})
    assert no_ports.json()["itemNotFound"]["message"] == (
        f"instance_id {bare_id} could not be found as device id on any ports"
    )
    unknown_action = admin.action(server_id, {"shelve": None})
    assert unknown_action.json()["badRequest"]["message"] == "There is no such action: shelve"


def test_neutron_security_groups(admin: OpenStack, demo: OpenStack) -> None:
    listed = admin.get("network", "/v2.0/security-groups", params={"name": "default"}).json()[
        "security_groups"
    ]
    assert {g["project_id"] for g in listed} == {
        admin.project_id,
        demo.project_id,
    }  # admins see all
    own = demo.get("network", "/v2.0/security-groups").json()["security_groups"]
    assert [g["project_id"] for g in own] == [demo.project_id]
    shown = demo.get("network", f"/v2.0/security-groups/{own[0]['id']}").json()["security_group"]
    assert {r["direction"] for r in shown["security_group_rules"]} == {"ingress", "egress"}
    missing = demo.get("network", "/v2.0/security-groups/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "NeutronError": {
            "type": "SecurityGroupNotFound",
            "message": "Security group nope does not exist",
            "detail": "",
        }
    }


def test_instance_actions_record_the_request_ids(
    simulator: Simulator, admin: OpenStack, demo: OpenStack
) -> None:
    created = admin.post(
        "compute",
        "/servers",
        json={
            "server": {
                "name": "a",
                "flavorRef": admin.flavor_id("m1.tiny"),
                "imageRef": admin.image_id(),
                "networks": "none",
            }
        },
    )
    server_id = created.json()["server"]["id"]
    admin.wait_for(server_id, "ACTIVE")
    stop = admin.action(server_id, {"os-stop": None})
    admin.wait_for(server_id, "SHUTOFF")
    actions = admin.get(
        "compute", f"/servers/{server_id}/os-instance-actions", version="2.84"
    ).json()
    listed = actions["instanceActions"]
    assert [a["action"] for a in listed] == ["stop", "create"]
    assert listed[0]["request_id"] == stop.headers["x-openstack-request-id"]
    assert listed[1]["request_id"] == created.headers["x-openstack-request-id"]
    assert {a["user_id"] for a in listed} == {admin.user_id}
    assert {a["project_id"] for a in listed} == {admin.project_id}
    assert all(a["message"] is None and a["updated_at"] for a in listed)
    shown = admin.get(
        "compute",
        f"/servers/{server_id}/os-instance-actions/{listed[0]['request_id']}",
        version="2.84",
    ).json()["instanceAction"]
    (event,) = shown["events"]
    assert event["event"] == "compute_stop_instance"
    assert event["result"] == "Success"
    assert {"traceback", "host", "hostId", "details"} <= set(event)
    page = admin.get(
        "compute", f"/servers/{server_id}/os-instance-actions", params={"limit": 1}, version="2.58"
    ).json()
    assert len(page["instanceActions"]) == 1
    assert page["links"][0]["rel"] == "next"
    assert (
        "updated_at"
        not in admin.get(
            "compute", f"/servers/{server_id}/os-instance-actions", version="2.57"
        ).json()["instanceActions"][0]
    )
    missing = admin.get("compute", f"/servers/{server_id}/os-instance-actions/req-nope")
    assert missing.json()["itemNotFound"]["message"] == "Action req-nope not found"


def test_instance_actions_per_role_and_after_delete(admin: OpenStack, demo: OpenStack) -> None:
    server_id = demo.create_server()["id"]
    demo.wait_for(server_id, "ACTIVE")
    request_id = demo.get("compute", f"/servers/{server_id}/os-instance-actions").json()[
        "instanceActions"
    ][0]["request_id"]
    path = f"/servers/{server_id}/os-instance-actions/{request_id}"
    assert "events" not in demo.get("compute", path, version="2.50").json()["instanceAction"]
    member_event = demo.get("compute", path, version="2.84").json()["instanceAction"]["events"][0]
    assert set(member_event) == {"event", "start_time", "finish_time", "result", "hostId"}
    delete = demo.delete("compute", f"/servers/{server_id}")
    assert (
        demo.get("compute", f"/servers/{server_id}/os-instance-actions", version="2.20").status_code
        == 404
    )
    after = demo.get("compute", f"/servers/{server_id}/os-instance-actions", version="2.21").json()[
        "instanceActions"
    ]
    assert after[0]["action"] == "delete"
    assert after[0]["request_id"] == delete.headers["x-openstack-request-id"]
