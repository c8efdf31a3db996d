"""The simulator's bodies have the keys and types of the API reference samples.

Nova's samples below 2.90 come from an admin context and the later ones from a member, so
each is compared with the view of the matching seeded user (``admin`` or ``demo``). The
2.69 samples show servers in a down cell, which the simulator has no notion of.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from instance_operator.simulator import Simulator
from instance_operator.simulator.config import fast_config
from tests.simulator.client import OpenStack
from tests.simulator.samples import ROOT, load, needs_samples
from tests.simulator.shapes import shape_diff

pytestmark = needs_samples

SERVER_SAMPLES = ("server-get-resp.json", "servers-details-resp.json", "servers-list-resp.json",
                  "server-update-resp.json", "server-put-resp.json", "server-create-resp.json")  # fmt: skip


def nova_samples(names: tuple[str, ...], area: str) -> list[str]:
    if not ROOT.is_dir():
        return []
    found = [p for name in names for p in (ROOT / "nova" / area).glob(f"**/{name}")]
    return sorted(str(p.relative_to(ROOT)) for p in found if "/v2.69/" not in str(p))


def version_of(sample: str) -> str:
    folder = Path(sample).parent.name
    return folder[1:] if folder.startswith("v2.") else "2.1"


def minor(version: str) -> int:
    return int(version.split(".")[1])


@pytest.fixture(scope="module")
def shared() -> Iterator[Simulator]:
    """One simulator for the whole module: the comparisons only read, or change names."""
    with Simulator(fast_config()).running() as sim:
        yield sim


@pytest.fixture(scope="module")
def server_of(shared: Simulator) -> Iterator[dict[str, tuple[OpenStack, str]]]:
    """A networked, tagged, ACTIVE server named ``fixture`` for the admin and the demo user."""
    clients = {}
    with (
        OpenStack.login(shared.auth_url, "admin", "admin") as admin,
        OpenStack.login(shared.auth_url, "demo", "demo") as demo,
    ):
        for name, client in (("admin", admin), ("demo", demo)):
            server_id = client.create_server(
                "fixture", networks="auto", metadata={"a": "b"}, tags=["t"]
            )["id"]
            client.wait_for(server_id, "ACTIVE")
            clients[name] = (client, server_id)
        yield clients


@pytest.mark.parametrize("sample", nova_samples(SERVER_SAMPLES, "servers"))
def test_server_bodies(sample: str, server_of: dict[str, tuple[OpenStack, str]]) -> None:
    version = version_of(sample)
    client, server_id = server_of["admin" if minor(version) < 90 else "demo"]
    expected = load(sample)
    name = Path(sample).name
    if name == "server-get-resp.json":
        actual = client.get("compute", f"/servers/{server_id}", version=version).json()
    elif name in ("servers-details-resp.json", "servers-list-resp.json"):
        path = "/servers/detail" if "details" in name else "/servers"
        params = {"name": "^fixture$", **({"limit": 1} if "servers_links" in expected else {})}
        actual = client.get("compute", path, version=version, params=params).json()
    elif name in ("server-update-resp.json", "server-put-resp.json"):
        body = {"server": {"name": "fixture"}}
        actual = client.put("compute", f"/servers/{server_id}", json=body, version=version).json()
    else:
        body = {
            "server": {
                "name": "new",
                "flavorRef": client.flavor_id("m1.tiny"),
                "imageRef": client.image_id(),
            }
        }
        if minor(version) >= 37:  # before 2.37 leaving networks out means "auto"
            body["server"]["networks"] = "auto"
        response = client.post("compute", "/servers", json=body, version=version)
        assert response.status_code == 202, response.text
        actual = response.json()
    assert shape_diff(expected, actual) == []


@pytest.mark.parametrize(
    "sample",
    nova_samples(
        ("flavors-list-resp.json", "flavors-detail-resp.json", "flavor-get-resp.json"), "flavors"
    ),
)
def test_flavor_bodies(sample: str, server_of: dict[str, tuple[OpenStack, str]]) -> None:
    admin = server_of["admin"][0]
    version = version_of(sample)
    flavor_id = admin.flavor_id("m1.tiny")
    path = {
        "flavors-list-resp.json": "/flavors",
        "flavors-detail-resp.json": "/flavors/detail",
    }.get(Path(sample).name, f"/flavors/{flavor_id}")
    assert shape_diff(load(sample), admin.get("compute", path, version=version).json()) == []


@pytest.mark.parametrize(
    "sample", nova_samples(("keypairs-list-resp.json", "keypairs-get-resp.json"), "os-keypairs")
)
def test_keypair_bodies(sample: str, server_of: dict[str, tuple[OpenStack, str]]) -> None:
    admin = server_of["admin"][0]
    version = version_of(sample)
    expected = load(sample)
    if Path(sample).name == "keypairs-get-resp.json":
        actual = admin.get("compute", "/os-keypairs/sim-key", version=version).json()
    else:
        params = {"limit": 1} if "keypairs_links" in expected else {}
        actual = admin.get("compute", "/os-keypairs", version=version, params=params).json()
    assert shape_diff(expected, actual) == []


@pytest.mark.parametrize("sample", nova_samples(("limit-get-resp.json",), "limits"))
def test_limits_bodies(sample: str, server_of: dict[str, tuple[OpenStack, str]]) -> None:
    admin = server_of["admin"][0]
    actual = admin.get("compute", "/limits", version=version_of(sample)).json()
    assert shape_diff(load(sample), actual) == []


@pytest.mark.parametrize(
    "sample",
    nova_samples(("instance-actions-list-resp.json", "instance-actions-list-with-limit-resp.json",
                  "instance-action-get-resp.json", "instance-action-get-non-admin-resp.json"),
                 "os-instance-actions"),
)  # fmt: skip
def test_instance_action_bodies(sample: str, server_of: dict[str, tuple[OpenStack, str]]) -> None:
    version = version_of(sample)
    client = server_of["demo" if "non-admin" in sample else "admin"][0]
    server_id = client.create_server("acted")["id"]
    client.wait_for(server_id, "ACTIVE")
    client.action(server_id, {"os-stop": None})
    path = f"/servers/{server_id}/os-instance-actions"
    expected = load(sample)
    if "action-get" in sample:
        request_id = client.get("compute", path, version=version).json()["instanceActions"][0][
            "request_id"
        ]
        actual = client.get("compute", f"{path}/{request_id}", version=version).json()
    else:
        params = {"limit": 1} if "links" in expected else {}
        actual = client.get("compute", path, version=version, params=params).json()
    assert shape_diff(expected, actual) == []


def test_server_addresses_tags_and_metadata_bodies(
    server_of: dict[str, tuple[OpenStack, str]],
) -> None:
    client, server_id = server_of["admin"]
    checks: list[tuple[str, Any]] = [
        ("nova/server-ips/server-ips-resp.json", client.get("compute", f"/servers/{server_id}/ips")),
        ("nova/server-ips/server-ips-network-resp.json", client.get("compute", f"/servers/{server_id}/ips/private")),
        ("nova/server-metadata/server-metadata-all-resp.json", client.get("compute", f"/servers/{server_id}/metadata")),
        ("nova/server-metadata/server-metadata-resp.json", client.get("compute", f"/servers/{server_id}/metadata/a")),
        ("nova/os-server-tags/v2.26/server-tags-index-resp.json", client.get("compute", f"/servers/{server_id}/tags")),
        ("nova/os-server-tags/v2.26/server-tags-put-all-resp.json",
         client.put("compute", f"/servers/{server_id}/tags", json={"tags": ["x"]})),
        ("nova/servers/v2.45/server-action-create-image-resp.json",
         client.action(server_id, {"createImage": {"name": "s"}})),
    ]  # fmt: skip
    for sample, response in checks:
        maps = (
            frozenset({"$", "metadata", "meta", "addresses"})
            if "server-ips-network" in sample
            else None
        )
        diff = (
            shape_diff(load(sample), response.json(), maps=maps)
            if maps
            else shape_diff(load(sample), response.json())
        )
        assert diff == [], sample
    member, member_server = server_of["demo"]  # these two samples were made by a member
    for sample in ("nova/os-server-tags/v2.26/server-tags-show-details-resp.json",
                   "nova/os-server-tags/v2.26/servers-tags-details-resp.json"):  # fmt: skip
        path = f"/servers/{member_server}" if "show" in sample else "/servers/detail?name=^fixture$"
        assert shape_diff(load(sample), member.get("compute", path, version="2.26").json()) == [], (
            sample
        )


def test_compute_version_documents(simulator: Simulator, admin: OpenStack) -> None:
    base = simulator.base_url
    assert (
        shape_diff(
            load("nova/versions/versions-get-resp.json"),
            admin.get("compute", f"{base}/compute/").json(),
        )
        == []
    )
    v21 = admin.get("compute", f"{base}/compute/v2.1").json()
    assert shape_diff(load("nova/versions/v21-version-get-resp.json"), v21) == []


def test_keystone_bodies(simulator: Simulator) -> None:
    import requests

    from tests.simulator.client import TIMEOUT, password_body

    issued = requests.post(
        f"{simulator.auth_url}/auth/tokens",
        json=password_body("admin", "admin", "admin"),
        timeout=TIMEOUT,
    )
    assert (
        shape_diff(load("keystone/auth-password-project-scoped-response.json"), issued.json()) == []
    )
    seed = simulator.config.application_credentials[0]
    body = {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": {"id": seed.id, "secret": seed.secret}}}}  # fmt: skip
    app = requests.post(f"{simulator.auth_url}/auth/tokens", json=body, timeout=TIMEOUT)
    assert shape_diff(load("keystone/auth-application-credential-response.json"), app.json()) == []
    version = requests.get(simulator.auth_url, timeout=TIMEOUT).json()
    assert shape_diff(load("keystone/identity-version-response.json"), version) == []


# Glance's API-reference samples predate the ``stores`` key that Glance 33 adds to active
# images (see flows/15-glance-image-show-active.json); the captures win, so it is expected.
_GLANCE_NEWER = ["stores"]


def test_glance_bodies(admin: OpenStack) -> None:
    plain = "ubuntu-24.04"  # the seeded image without extra properties, like the samples
    listed = admin.get("image", "/v2/images", params={"name": plain}).json()
    expected = load("glance/images-list-response.json")
    assert shape_diff(expected, listed) == [
        f"$.images[].{k}: not in the sample" for k in _GLANCE_NEWER
    ]
    shown = admin.get("image", f"/v2/images/{admin.image_id(plain)}").json()
    image_sample = load("glance/image-show-response.json")
    assert shape_diff(image_sample, shown) == [f"$.{k}: not in the sample" for k in _GLANCE_NEWER]


# Neutron's samples disagree with each other: network-show has "pvlan": "false" (a string)
# where networks-list has false, only network-show has "tags", and only port-show has
# "hardware_offload_type". The simulator answers the same keys in lists and shows.
def test_neutron_bodies(admin: OpenStack) -> None:
    server_id = admin.create_server(networks="auto")["id"]
    networks = admin.get("network", "/v2.0/networks").json()
    assert shape_diff(load("neutron/networks/networks-list-response.json"), networks) == [
        "$.networks[].tags: not in the sample"
    ]
    network = admin.get("network", f"/v2.0/networks/{networks['networks'][0]['id']}").json()
    assert shape_diff(load("neutron/networks/network-show-response.json"), network) == [
        "$.network.pvlan: str in the sample, bool here"
    ]
    ports = admin.get("network", "/v2.0/ports", params={"device_id": server_id}).json()
    assert shape_diff(load("neutron/ports/ports-list-response.json"), ports) == [
        "$.ports[].hardware_offload_type: not in the sample"
    ]
    port = admin.get("network", f"/v2.0/ports/{ports['ports'][0]['id']}").json()
    assert shape_diff(load("neutron/ports/port-show-response.json"), port) == []
    groups = admin.get("network", "/v2.0/security-groups").json()
    assert (
        shape_diff(load("neutron/security-groups/security-groups-list-response.json"), groups) == []
    )
    group = admin.get(
        "network", f"/v2.0/security-groups/{groups['security_groups'][0]['id']}"
    ).json()
    assert (
        shape_diff(load("neutron/security-groups/security-group-show-response.json"), group) == []
    )
    versions = admin.get("network", f"{admin.base_url}/networking/").json()
    assert shape_diff(load("neutron/networks/versions-list-response.json"), versions) == []
