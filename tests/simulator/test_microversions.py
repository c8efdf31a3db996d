"""Compute microversion negotiation: defaults, ``latest``, both headers, echo, 400/406."""

from __future__ import annotations

import pytest
import requests

from instance_operator.simulator import Simulator
from instance_operator.simulator.config import fast_config
from tests.simulator.client import TIMEOUT, OpenStack


def flavors(client: OpenStack, headers: dict[str, str]) -> requests.Response:
    return requests.get(
        f"{client.endpoints['compute']}/flavors",
        headers={"X-Auth-Token": client.token, **headers},
        timeout=TIMEOUT,
    )


def echoed(response: requests.Response) -> tuple[str, str]:
    return response.headers["OpenStack-API-Version"], response.headers[
        "X-OpenStack-Nova-API-Version"
    ]


@pytest.mark.parametrize(
    ("headers", "version"),
    [
        ({}, "2.1"),
        ({"OpenStack-API-Version": "compute latest"}, "2.104"),
        ({"OpenStack-API-Version": "compute 2.47"}, "2.47"),
        ({"X-OpenStack-Nova-API-Version": "2.60"}, "2.60"),
        ({"OpenStack-API-Version": "compute 2.70", "X-OpenStack-Nova-API-Version": "2.10"}, "2.70"),
        ({"OpenStack-API-Version": "image 2.5, compute 2.8"}, "2.8"),
    ],
)
def test_negotiated_version_is_echoed_in_both_headers(
    admin: OpenStack, headers: dict[str, str], version: str
) -> None:
    response = flavors(admin, headers)
    assert response.status_code == 200
    assert echoed(response) == (f"compute {version}", version)
    assert response.headers["Vary"] == "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
    assert response.headers["x-compute-request-id"] == response.headers["x-openstack-request-id"]


@pytest.mark.parametrize("asked", ["2.999", "2.0", "3.1"])
def test_out_of_range_is_406_compute_fault(admin: OpenStack, asked: str) -> None:
    response = flavors(admin, {"OpenStack-API-Version": f"compute {asked}"})
    assert response.status_code == 406
    assert echoed(response) == (f"compute {asked}", asked)
    assert response.json() == {
        "computeFault": {
            "code": 406,
            "message": f"Version {asked} is not supported by the API. Minimum is 2.1 and maximum is 2.104.",
        }
    }


def test_malformed_version_is_400(admin: OpenStack) -> None:
    response = flavors(admin, {"X-OpenStack-Nova-API-Version": "2.x"})
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"].startswith(
        "API Version String 2.x is of invalid format"
    )


def test_the_range_is_configurable() -> None:
    with Simulator(fast_config(microversions={"min": "2.1", "max": "2.60"})).running() as sim:
        root = requests.get(f"{sim.base_url}/compute/", timeout=TIMEOUT).json()
        assert [v["version"] for v in root["versions"]] == ["", "2.60"]
        with OpenStack.login(sim.auth_url, "admin", "admin") as client:
            assert echoed(flavors(client, {"OpenStack-API-Version": "compute latest"}))[1] == "2.60"
            assert flavors(client, {"OpenStack-API-Version": "compute 2.61"}).status_code == 406


def test_fields_appear_at_their_microversions(admin: OpenStack) -> None:
    server_id = admin.create_server(tags=["t"])["id"]
    admin.wait_for(server_id, "ACTIVE")
    old = admin.server(server_id, version="2.1")
    assert "tags" not in old
    assert "locked" not in old
    assert "description" not in old
    assert set(old["flavor"]) == {"id", "links"}
    assert "OS-EXT-SRV-ATTR:hostname" not in old  # 2.3 for admins
    new = admin.server(server_id, version="2.100")
    assert new["tags"] == ["t"]
    assert set(new["flavor"]) == {
        "vcpus",
        "ram",
        "disk",
        "ephemeral",
        "swap",
        "original_name",
        "extra_specs",
    }
    assert new["locked_reason"] is None
    assert new["server_groups"] == []
    assert "properties" in new["image"]
    assert new["scheduler_hints"] == {}
    assert "pinned_availability_zone" in new


def test_version_documents_are_public(simulator: Simulator) -> None:
    root = requests.get(f"{simulator.base_url}/compute/", timeout=TIMEOUT)
    assert root.status_code == 200
    current = root.json()["versions"][1]
    assert (current["id"], current["min_version"], current["version"]) == ("v2.1", "2.1", "2.104")
    doc = requests.get(f"{simulator.base_url}/compute/v2.1", timeout=TIMEOUT).json()["version"]
    assert doc["links"][0]["href"] == f"{simulator.base_url}/compute/v2.1/"
