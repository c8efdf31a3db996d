"""``POST /servers``: validation errors in Nova's words, networks, security groups, keys."""

from __future__ import annotations

from typing import Any

import pytest

from instance_operator.simulator import Simulator
from instance_operator.simulator.config import NetworkSeed, fast_config
from tests.simulator.client import OpenStack
from tests.simulator.samples import load, needs_samples


def base(client: OpenStack, **fields: Any) -> dict[str, Any]:
    return {
        "server": {
            "name": "web-1",
            "flavorRef": client.flavor_id("m1.tiny"),
            "imageRef": client.image_id(),
            "networks": "none",
            **fields,
        }
    }


def refused(
    client: OpenStack, body: dict[str, Any], status: int = 400, version: str = "2.90"
) -> str:
    response = client.post("compute", "/servers", json=body, version=version)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    (fault,) = response.json().values()
    assert fault["code"] == status
    message: str = fault["message"]
    return message


@needs_samples
@pytest.mark.parametrize(
    ("capture", "change"),
    [
        ("nova-create-missing-flavorref.json", None),
        (
            "nova-create-bad-metadata-key.json",
            {"metadata": {"instance-operator.dev/name": "web-1"}},
        ),
        ("nova-create-bad-tag.json", {"tags": ["a/b"]}),
        ("nova-create-unknown-flavor.json", {"flavorRef": "nonexistent-flavor"}),
        ("nova-create-unknown-image.json", {"imageRef": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}),
    ],
)
def test_validation_messages_match_the_captures(
    admin: OpenStack, capture: str, change: dict[str, Any] | None
) -> None:
    expected = load(f"errors/{capture}")
    body = {"server": {"name": "x"}} if change is None else base(admin, **change)
    assert refused(admin, body) == expected["body"]["badRequest"]["message"]


def test_schema_errors(admin: OpenStack) -> None:
    no_networks = base(admin)
    del no_networks["server"]["networks"]
    assert refused(admin, no_networks).endswith("'networks' is a required property")
    assert refused(admin, base(admin, colour="blue")).endswith(
        "Additional properties are not allowed ('colour' was unexpected)"
    )
    assert "Additional properties" in refused(admin, base(admin, tags=["a"]), version="2.51")
    assert refused(admin, {"server": {**base(admin)["server"], "name": " padded"}}).startswith(
        "An invalid 'name' value was provided."
    )
    assert refused(admin, base(admin, user_data="not base64!")).endswith("is not a 'base64'")
    assert refused(admin, base(admin, key_name="missing")) == "Invalid key_name provided."
    assert (
        refused(admin, base(admin, availability_zone="moon"))
        == "The requested availability zone is not available"
    )
    assert (
        refused(admin, base(admin, security_groups=[{"name": "web"}]))
        == "Security group web not found."
    )
    assert refused(admin, base(admin, imageRef="")) == "Missing imageRef attribute"
    assert refused(admin, base(admin, networks="some")).endswith(
        "is not valid under any of the given schemas"
    )


def test_networks_none_auto_and_uuid(simulator: Simulator, admin: OpenStack) -> None:
    none = admin.wait_for(admin.create_server("none")["id"], "ACTIVE")
    assert none["addresses"] == {}
    assert "security_groups" not in none  # no ports, no groups, as in Nova
    auto = admin.wait_for(admin.create_server("auto", networks="auto")["id"], "ACTIVE")
    (v4, v6) = auto["addresses"]["private"]
    assert (v4["version"], v4["OS-EXT-IPS:type"], v6["version"]) == (4, "fixed", 6)
    assert v4["OS-EXT-IPS-MAC:mac_addr"] == v6["OS-EXT-IPS-MAC:mac_addr"]
    assert auto["security_groups"] == [{"name": "default"}]
    network_id = simulator.config.networks[0].id
    pinned = admin.create_server("pinned", networks=[{"uuid": network_id, "fixed_ip": "10.0.9.9"}])
    addresses = admin.wait_for(pinned["id"], "ACTIVE")["addresses"]["private"]
    assert [a["addr"] for a in addresses] == ["10.0.9.9"]
    taken = refused(admin, base(admin, networks=[{"uuid": network_id, "fixed_ip": "10.0.9.9"}]))
    assert taken == f"Fixed IP address 10.0.9.9 is already in use on instance {pinned['id']}."
    missing = "6c6c0b9a-0000-4000-8000-000000000000"
    assert (
        refused(admin, base(admin, networks=[{"uuid": missing}]))
        == f"Network {missing} could not be found."
    )
    assert refused(admin, base(admin, networks=[{"uuid": "abc"}])).endswith("'abc' is not a 'uuid'")
    outside = admin.create_server(
        "outside", networks=[{"uuid": network_id, "fixed_ip": "192.0.2.5"}]
    )
    error = admin.wait_for(outside["id"], "ERROR")
    assert "not a valid IP for the specified subnet" in error["fault"]["message"]


def test_networks_by_port(admin: OpenStack) -> None:
    first = admin.wait_for(admin.create_server("first", networks="auto")["id"], "ACTIVE")
    ports = admin.get("network", "/v2.0/ports", params={"device_id": first["id"]}).json()["ports"]
    (port,) = ports
    assert port["device_owner"] == "compute:nova"
    in_use = refused(admin, base(admin, networks=[{"port": port["id"]}]), status=409)
    assert in_use == f"Port {port['id']} is still in use."
    unknown = "6c6c0b9a-0000-4000-8000-000000000001"
    assert (
        refused(admin, base(admin, networks=[{"port": unknown}]))
        == f"Port id {unknown} could not be found."
    )


def test_auto_with_two_networks_is_ambiguous() -> None:
    config = fast_config()
    config.networks.append(NetworkSeed(name="second", cidr="10.1.0.0/24"))
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as client,
    ):
        message = refused(client, base(client, networks="auto"), status=409)
        assert message.startswith("More than one possible network found.")
        legacy = base(client)
        del legacy["server"]["networks"]
        assert refused(client, legacy, status=409, version="2.36").startswith(
            "More than one possible network"
        )


def test_keys_zones_groups_and_fields_are_kept(simulator: Simulator, admin: OpenStack) -> None:
    group = admin.get("network", "/v2.0/security-groups", params={"name": "default"}).json()[
        "security_groups"
    ][0]
    created = admin.post(
        "compute",
        "/servers",
        json=base(
            admin,
            networks="auto",
            key_name="sim-key",
            availability_zone="nova",
            security_groups=[{"name": group["id"]}],
            user_data="IyEvYmluL3NoCg==",
            metadata={"team": "a"},
            tags=["b", "a"],
            description="hello",
        ),
    )
    assert created.status_code == 202
    body = created.json()["server"]
    assert set(body) == {"id", "links", "OS-DCF:diskConfig", "security_groups", "adminPass"}
    assert created.headers["Location"] == body["links"][0]["href"]
    server = admin.wait_for(body["id"], "ACTIVE")
    assert server["key_name"] == "sim-key"
    assert server["OS-EXT-SRV-ATTR:user_data"] == "IyEvYmluL3NoCg=="
    assert server["metadata"] == {"team": "a"}
    assert server["tags"] == ["a", "b"]
    assert server["description"] == "hello"
    assert server["security_groups"] == [{"name": "default"}]


def test_network_strings_need_2_37(admin: OpenStack) -> None:
    message = refused(admin, base(admin, networks="none"), version="2.36")
    assert message.endswith("'none' is not of type 'array'")
