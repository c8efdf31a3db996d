"""Flavors, keypairs, limits, Glance images and Neutron networks and ports."""

from __future__ import annotations

import requests

from instance_operator.simulator import Simulator
from tests.simulator.client import TIMEOUT, OpenStack


def test_flavors_per_microversion(admin: OpenStack) -> None:
    listed = admin.get("compute", "/flavors", version="2.1").json()["flavors"]
    assert {f["name"] for f in listed} == {"m1.nano", "m1.tiny", "m1.small", "m1.medium"}
    assert set(listed[0]) == {"id", "links", "name"}
    old = admin.get("compute", f"/flavors/{listed[0]['id']}", version="2.1").json()["flavor"]
    assert old["swap"] == ""
    assert old["rxtx_factor"] == 1.0
    assert "extra_specs" not in old
    new = admin.get("compute", f"/flavors/{listed[0]['id']}", version="2.102").json()["flavor"]
    assert new["swap"] == 0
    assert "rxtx_factor" not in new
    assert new["extra_specs"] == {}
    assert "description" in admin.get("compute", "/flavors", version="2.55").json()["flavors"][0]
    detail = admin.get("compute", "/flavors/detail", params={"limit": 2}).json()
    assert len(detail["flavors"]) == 2
    assert detail["flavors_links"][0]["rel"] == "next"
    missing = admin.get("compute", "/flavors/nope")
    assert missing.json() == {
        "itemNotFound": {"code": 404, "message": "Flavor nope could not be found."}
    }


def test_keypairs(admin: OpenStack) -> None:
    listed = admin.get("compute", "/os-keypairs", version="2.1").json()["keypairs"]
    (entry,) = listed
    assert set(entry["keypair"]) == {"fingerprint", "name", "public_key"}
    assert entry["keypair"]["public_key"].startswith("ssh-ed25519 ")
    assert (
        "type"
        in admin.get("compute", "/os-keypairs", version="2.2").json()["keypairs"][0]["keypair"]
    )
    shown = admin.get("compute", "/os-keypairs/sim-key").json()["keypair"]
    assert shown["user_id"] == admin.user_id
    assert shown["deleted"] is False
    assert len(shown["fingerprint"].split(":")) == 16
    missing = admin.get("compute", "/os-keypairs/other")
    assert (
        missing.json()["itemNotFound"]["message"]
        == f"Keypair other not found for user {admin.user_id}"
    )
    paged = admin.get("compute", "/os-keypairs", params={"limit": 1}, version="2.35").json()
    assert paged["keypairs_links"][0]["rel"] == "next"


def test_limits_follow_usage(simulator: Simulator, admin: OpenStack) -> None:
    simulator.servers.create(2, project="admin", flavor="m1.small")
    absolute = admin.get("compute", "/limits", version="2.57").json()["limits"]["absolute"]
    assert (
        absolute["totalInstancesUsed"],
        absolute["totalCoresUsed"],
        absolute["totalRAMUsed"],
    ) == (2, 2, 4096)
    assert absolute["maxTotalInstances"] == -1
    assert "maxPersonality" not in absolute
    assert (
        "maxSecurityGroups"
        in admin.get("compute", "/limits", version="2.35").json()["limits"]["absolute"]
    )


def test_images_list_filters_and_pages(simulator: Simulator, admin: OpenStack) -> None:
    root = requests.get(f"{simulator.base_url}/image/", timeout=TIMEOUT)
    assert root.status_code == 300
    assert root.json()["versions"][0]["status"] == "CURRENT"
    body = admin.get("image", "/v2/images").json()
    assert {i["name"] for i in body["images"]} == {"cirros-0.6.2-x86_64-disk", "ubuntu-24.04"}
    assert (body["first"], body["schema"]) == ("/v2/images", "/v2/schemas/images")
    assert body["images"][0]["stores"] == "fs"
    page = admin.get("image", "/v2/images", params={"limit": 1}).json()
    assert len(page["images"]) == 1
    following = admin.get("image", f"{admin.endpoints['image']}{page['next']}")
    assert len(following.json()["images"]) == 1
    assert following.json()["images"][0]["id"] != page["images"][0]["id"]
    assert admin.get("image", "/v2/images", params={"status": "queued"}).json()["images"] == []
    assert (
        len(admin.get("image", "/v2/images", params={"name": "ubuntu-24.04"}).json()["images"]) == 1
    )
    assert admin.get("image", "/v2/images", params={"limit": "x"}).status_code == 400


def test_image_errors_are_html_unless_json_is_asked_for(admin: OpenStack) -> None:
    html = admin.get("image", "/v2/images/nope")
    assert html.status_code == 404
    assert html.headers["Content-Type"].startswith("text/html")
    assert "<h1>404 Not Found</h1>" in html.text
    assert "No image found with ID nope" in html.text
    as_json = admin.get("image", "/v2/images/nope", headers={"Accept": "application/json"})
    assert as_json.json() == {
        "message": "No image found with ID nope<br /><br />\n\n\n",
        "code": "404 Not Found",
        "title": "Not Found",
    }


def test_networks_and_ports(simulator: Simulator, admin: OpenStack, demo: OpenStack) -> None:
    root = requests.get(f"{simulator.base_url}/networking/", timeout=TIMEOUT).json()
    assert root["versions"][0]["id"] == "v2.0"
    (network,) = demo.get("network", "/v2.0/networks", params={"name": "private"}).json()[
        "networks"
    ]
    assert network["shared"] is True
    assert len(network["subnets"]) == 2
    assert demo.get("network", "/v2.0/networks", params={"name": "other"}).json()["networks"] == []
    shown = demo.get("network", f"/v2.0/networks/{network['id']}").json()["network"]
    assert shown == network
    missing = demo.get("network", "/v2.0/networks/nope")
    assert missing.json() == {
        "NeutronError": {
            "type": "NetworkNotFound",
            "message": "Network nope could not be found.",
            "detail": "",
        }
    }
    server_id = demo.create_server(networks="auto")["id"]
    (port,) = demo.get("network", "/v2.0/ports", params={"device_id": server_id}).json()["ports"]
    assert [ip["ip_address"].count(".") for ip in port["fixed_ips"]] == [3, 0]
    assert demo.get("network", f"/v2.0/ports/{port['id']}").json()["port"]["id"] == port["id"]
    assert admin.get("network", "/v2.0/ports", params={"device_id": server_id}).json()["ports"]
    trimmed = demo.get("network", "/v2.0/ports", params={"fields": ["id", "mac_address"]}).json()[
        "ports"
    ]
    assert set(trimmed[0]) == {"id", "mac_address"}
    demo.delete("compute", f"/servers/{server_id}")
    assert demo.get("network", "/v2.0/ports", params={"device_id": server_id}).json()["ports"] == []


def test_unknown_paths_answer_in_the_services_shape(simulator: Simulator, admin: OpenStack) -> None:
    assert admin.get("image", "/v2/nothing").status_code == 404
    identity = requests.get(f"{simulator.base_url}/identity/v3/nothing", timeout=TIMEOUT)
    assert identity.status_code == 404
    assert identity.json()["error"]["code"] == 404
    method = admin.request("PATCH", "compute", "/servers")
    assert method.status_code == 405
