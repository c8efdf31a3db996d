"""Every real body in shared/openstack-samples that a model of the client reads parses, and the
parsed values are the body's values."""

from __future__ import annotations

from typing import Any

import pytest

from instance_operator.openstack.auth import TokenBody, request_body
from instance_operator.openstack.catalog import Catalog
from instance_operator.openstack.compute.flavors import Flavor
from instance_operator.openstack.compute.instance_actions import (
    InstanceAction,
    InstanceActionDetail,
)
from instance_operator.openstack.compute.keypairs import Keypair
from instance_operator.openstack.compute.servers import (
    Address,
    CreatedImage,
    CreatedServer,
    CreateOpts,
    EmbeddedFlavor,
    FlavorLink,
    NetworkSpec,
    Server,
    ServerMetadata,
    ServerTags,
)
from instance_operator.openstack.config import (
    ApplicationCredentialAuth,
    TokenAuth,
)
from instance_operator.openstack.errors import MicroversionUnsupported
from instance_operator.openstack.image.images import Image
from instance_operator.openstack.microversion import Microversion, server_range
from instance_operator.openstack.network.networks import Network
from instance_operator.openstack.network.ports import Port
from instance_operator.openstack.network.security_groups import SecurityGroup
from instance_operator.openstack.pagination import next_link
from tests.openstack.samples import files, load, needs_samples

pytestmark = needs_samples

SERVER_BODIES = [
    f
    for f in files("nova/servers/**/*-resp.json")
    + files("nova/os-server-tags/**/*details-resp.json")
    if "create-resp" not in f
    and "servers-list" not in f  # the non-detail list: id, name, links; the client uses detail
    and "create-image" not in f
    and "server-groups" not in f
]


def _servers(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["servers"] if "servers" in body else [body["server"]]


def check_server(raw: dict[str, Any]) -> Server:
    server = Server.parse(raw, "req-1")
    assert server.id == raw["id"]
    assert server.status == raw["status"]
    assert server.name == raw.get("name")
    assert server.request_id == "req-1"
    assert server.task_state == raw.get("OS-EXT-STS:task_state")
    assert server.vm_state == raw.get("OS-EXT-STS:vm_state")
    assert server.power_state == raw.get("OS-EXT-STS:power_state")
    assert server.availability_zone == raw.get("OS-EXT-AZ:availability_zone")
    assert server.tags == raw.get("tags")
    assert server.metadata == raw.get("metadata", {})
    assert server.key_name == raw.get("key_name")
    assert [g.name for g in server.security_groups] == [
        g["name"] for g in raw.get("security_groups", [])
    ]
    for network, addresses in raw.get("addresses", {}).items():
        parsed = server.addresses[network]
        assert [a.addr for a in parsed] == [a["addr"] for a in addresses]
        assert [a.type for a in parsed] == [a.get("OS-EXT-IPS:type") for a in addresses]
        assert [a.mac_addr for a in parsed] == [a.get("OS-EXT-IPS-MAC:mac_addr") for a in addresses]
    flavor = raw.get("flavor")
    if flavor is None:
        assert server.flavor is None
    elif "original_name" in flavor:
        assert isinstance(server.flavor, EmbeddedFlavor)
        assert server.flavor.original_name == flavor["original_name"]
        assert server.flavor.ram == flavor["ram"]
        assert server.flavor_name == flavor["original_name"]
    else:
        assert isinstance(server.flavor, FlavorLink)
        assert server.flavor.id == flavor["id"]
        assert server.flavor_name is None
    image = raw.get("image")
    if image:
        assert server.image is not None
        assert server.image.id == image["id"]
        assert server.image.properties == image.get("properties")
    else:
        assert server.image is None
    if "fault" in raw:
        assert server.fault is not None
        assert server.fault.code == raw["fault"]["code"]
        assert server.fault.message == raw["fault"]["message"]
        assert server.fault.created.tzinfo is not None
    if raw.get("created"):
        assert server.created is not None
        assert server.created.tzinfo is not None
    if raw.get("OS-SRV-USG:launched_at"):
        assert server.launched_at is not None
        assert server.launched_at.tzinfo is not None
    assert server.locked_reason == raw.get("locked_reason")
    assert server.hostname == raw.get("OS-EXT-SRV-ATTR:hostname")
    assert server.pinned_availability_zone == raw.get("pinned_availability_zone")
    return server


@pytest.mark.parametrize("path", SERVER_BODIES)
def test_nova_server_bodies(path: str) -> None:
    for raw in _servers(load(path)):
        check_server(raw)


def test_server_shapes_by_microversion() -> None:
    """The flavor changes shape at 2.47; a down cell (2.69) hides nearly everything."""
    old = Server.parse(load("nova/servers/v2.9/server-get-resp.json")["server"])
    new = Server.parse(load("nova/servers/v2.47/server-get-resp.json")["server"])
    down = Server.parse(load("nova/servers/v2.69/servers-details-resp.json")["servers"][0])
    assert isinstance(old.flavor, FlavorLink)
    assert isinstance(new.flavor, EmbeddedFlavor)
    assert down.status == "UNKNOWN"
    assert down.name is None
    assert down.flavor is None


@pytest.mark.parametrize("path", files("nova/servers/**/server-create-resp.json"))
def test_nova_create_answers(path: str) -> None:
    raw = load(path)["server"]
    created = CreatedServer.parse(raw, "req-2")
    assert created.id == raw["id"]
    assert created.request_id == "req-2"
    assert "adminPass" in raw
    assert "adminPass" not in created.model_dump(by_alias=True)
    assert raw["adminPass"] not in repr(created)


#: Requests that boot from an image; the client does not boot from volumes.
CREATE_REQUESTS = [
    f for f in files("nova/servers/**/server-create-req*.json") if "imageRef" in load(f)["server"]
]


def test_most_create_requests_boot_from_an_image() -> None:
    assert len(CREATE_REQUESTS) > len(files("nova/servers/**/server-create-req*.json")) / 2


@pytest.mark.parametrize("path", CREATE_REQUESTS)
def test_create_opts_build_the_documented_request(path: str) -> None:
    """Building CreateOpts from a documented request gives that request back (its fields that
    the client supports)."""
    raw = load(path)["server"]
    networks = raw.get("networks", "auto")
    opts = CreateOpts(
        name=raw["name"],
        flavor_ref=raw["flavorRef"],
        image_ref=raw["imageRef"],
        networks=networks if isinstance(networks, str) else [NetworkSpec(**n) for n in networks],
        key_name=raw.get("key_name"),
        security_groups=[g["name"] for g in raw.get("security_groups", [])],
        availability_zone=raw.get("availability_zone"),
        user_data=_decode(raw.get("user_data")),
        metadata=raw.get("metadata", {}),
        tags=raw.get("tags", []),
    )
    body = opts.to_body()["server"]
    supported = {
        "name",
        "flavorRef",
        "imageRef",
        "networks",
        "key_name",
        "security_groups",
        "availability_zone",
        "user_data",
        "metadata",
        "tags",
    }
    expected = {k: v for k, v in raw.items() if k in supported}
    expected.setdefault("networks", "auto")
    assert body == expected


def _decode(text: str | None) -> bytes | None:
    import base64

    return base64.b64decode(text) if text is not None else None


def test_create_image_answer() -> None:
    raw = load("nova/servers/v2.45/server-action-create-image-resp.json")
    assert CreatedImage.parse(raw).image_id == raw["image_id"]


@pytest.mark.parametrize(
    "path",
    [f for f in files("nova/flavors/**/*.json") if "flavors-list" not in f],
)
def test_nova_flavors(path: str) -> None:
    body = load(path)
    for raw in body.get("flavors") or [body["flavor"]]:
        flavor = Flavor.parse(raw)
        assert flavor.id == raw["id"]
        assert flavor.name == raw["name"]
        assert flavor.ram == raw["ram"]
        assert flavor.swap == (raw["swap"] or 0)
        assert flavor.ephemeral == raw["OS-FLV-EXT-DATA:ephemeral"]
        assert flavor.is_public == raw["os-flavor-access:is_public"]
        assert flavor.description == raw.get("description")
        assert flavor.extra_specs == raw.get("extra_specs")


@pytest.mark.parametrize("path", files("nova/os-keypairs/**/*-resp.json"))
def test_nova_keypairs(path: str) -> None:
    body = load(path)
    entries = [k["keypair"] for k in body["keypairs"]] if "keypairs" in body else [body["keypair"]]
    for raw in entries:
        keypair = Keypair.parse(raw)
        assert keypair.name == raw["name"]
        assert keypair.public_key == raw["public_key"]
        assert keypair.type == raw.get("type")
        if "private_key" in raw:
            assert raw["private_key"] not in repr(keypair)


@pytest.mark.parametrize("path", files("nova/os-instance-actions/**/*.json"))
def test_nova_instance_actions(path: str) -> None:
    body = load(path)
    if "instanceAction" in body:
        raw = body["instanceAction"]
        detail = InstanceActionDetail.parse(raw, "req-3")
        assert detail.action_request_id == raw["request_id"]
        assert detail.request_id == "req-3"
        assert [e.event for e in detail.events] == [e["event"] for e in raw.get("events", [])]
        return
    for raw in body["instanceActions"]:
        action = InstanceAction.parse(raw)
        assert action.action == raw["action"]
        assert action.action_request_id == raw["request_id"]
        assert action.message == raw["message"]
        assert action.start_time.tzinfo is not None
        assert (action.updated_at is None) == ("updated_at" not in raw)
    link = next_link(body, "instanceActions")
    if "links" in body:
        assert link is not None
        assert "marker=" in link
    else:
        assert link is None


def test_nova_addresses_metadata_tags() -> None:
    addresses = load("nova/server-ips/server-ips-resp.json")["addresses"]
    assert addresses
    for entries in addresses.values():
        assert [Address.parse(a).addr for a in entries] == [a["addr"] for a in entries]
    for path in ("server-tags-index-resp.json", "server-tags-put-all-resp.json"):
        body = load(f"nova/os-server-tags/v2.26/{path}")
        assert ServerTags.parse(body).tags == body["tags"]
    body = load("nova/server-metadata/server-metadata-all-resp.json")
    assert ServerMetadata.parse(body).metadata == body["metadata"]
    for flow in ("flows/16-server-metadata-put.json", "flows/17-server-tags-put.json"):
        capture = load(flow)
        sent, got = capture["request_body"], capture["body"]
        model = ServerMetadata if "metadata" in got else ServerTags
        assert model.parse(got).model_dump() == got
        assert sorted(model.parse(sent).model_dump().popitem()[1]) == sorted(sent.popitem()[1])


def test_nova_version_documents() -> None:
    root = server_range(load("nova/versions/versions-get-resp.json"))
    versioned = server_range(load("nova/versions/v21-version-get-resp.json"))
    raw = load("nova/versions/v21-version-get-resp.json")["version"]
    assert versioned.maximum == Microversion.parse(raw["version"])
    assert versioned.minimum == Microversion.parse(raw["min_version"])
    assert root == versioned
    with pytest.raises(MicroversionUnsupported, match=r"v2\.1"):
        server_range(load("nova/versions/v2-version-get-resp.json"))


@pytest.mark.parametrize(
    "path",
    [
        "glance/image-create-response.json",
        "glance/image-show-response.json",
        "glance/image-update-response.json",
        "glance/images-list-response.json",
    ],
)
def test_glance_images(path: str) -> None:
    body = load(path)
    for raw in body.get("images") or [body]:
        image = Image.parse(raw)
        assert image.id == raw["id"]
        assert image.status == raw["status"]
        assert image.name == raw.get("name")
        assert image.size == raw.get("size")
        assert image.visibility == raw.get("visibility")


@pytest.mark.parametrize(
    ("path", "key", "model"),
    [
        ("neutron/networks/network-show-response.json", "network", Network),
        ("neutron/networks/networks-list-response.json", "networks", Network),
        ("neutron/ports/port-show-response.json", "port", Port),
        ("neutron/ports/ports-list-response.json", "ports", Port),
        (
            "neutron/security-groups/security-group-show-response.json",
            "security_group",
            SecurityGroup,
        ),
        (
            "neutron/security-groups/security-groups-list-response.json",
            "security_groups",
            SecurityGroup,
        ),
    ],
)
def test_neutron_bodies(path: str, key: str, model: type[Any]) -> None:
    value = load(path)[key]
    for raw in value if isinstance(value, list) else [value]:
        parsed = model.parse(raw)
        assert parsed.id == raw["id"]
        assert parsed.name == raw["name"]
        if model is Network:
            assert parsed.external == raw.get("router:external", False)
        if model is Port:
            assert [ip.ip_address for ip in parsed.fixed_ips] == [
                ip["ip_address"] for ip in raw["fixed_ips"]
            ]
            assert parsed.device_id == raw["device_id"]
        if model is SecurityGroup:
            assert [r.id for r in parsed.rules] == [r["id"] for r in raw["security_group_rules"]]


@pytest.mark.parametrize("path", files("keystone/auth-*-response.json"))
def test_keystone_token_bodies(path: str) -> None:
    raw = load(path)["token"]
    token = TokenBody.parse(raw)
    assert token.expires_at.tzinfo is not None
    assert token.methods == raw["methods"]
    assert (token.project.id if token.project else None) == raw.get("project", {}).get("id")
    catalog = Catalog(services=token.catalog)
    assert catalog.service_types() == sorted({s["type"] for s in raw.get("catalog", [])})
    for service in raw.get("catalog", []):
        public = [e for e in service["endpoints"] if e["interface"] == "public"]
        if len({e["url"] for e in public}) == 1:
            assert catalog.url_for(service["type"], name=service["name"]) == public[0][
                "url"
            ].rstrip("/")


def test_keystone_request_bodies_match_the_documented_ones() -> None:
    by_id = load("keystone/auth-application-credential-id-request.json")
    credential = by_id["auth"]["identity"]["application_credential"]
    ours = request_body(
        ApplicationCredentialAuth(
            auth_url="http://k/v3",
            application_credential_id=credential["id"],
            application_credential_secret=credential["secret"],
        )
    )
    assert ours == by_id
    by_name = load("keystone/auth-application-credential-name-request.json")
    credential = by_name["auth"]["identity"]["application_credential"]
    ours = request_body(
        ApplicationCredentialAuth(
            auth_url="http://k/v3",
            application_credential_name=credential["name"],
            application_credential_secret=credential["secret"],
            user_id=credential["user"]["id"],
        )
    )
    assert ours == by_name
    token = load("keystone/auth-token-scoped-request.json")
    ours = request_body(
        TokenAuth(
            auth_url="http://k/v3",
            token=token["auth"]["identity"]["token"]["id"],
            project_id=token["auth"]["scope"]["project"]["id"],
        )
    )
    assert ours == token


def test_glance_list_next_link() -> None:
    body = load("glance/images-list-response.json")
    assert next_link(body, "images") == body.get("next")
