"""Over HTTP against the simulator: every resource call, lazy pagination over 2,500 servers,
every error shape, and ``check-cloud``."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
from argparse import Namespace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from instance_operator.openstack import errors
from instance_operator.openstack.check_cloud import run
from instance_operator.openstack.compute import flavors, instance_actions, keypairs, servers
from instance_operator.openstack.compute.servers import (
    CreateOpts,
    ListOpts,
    NetworkSpec,
    RebootType,
)
from instance_operator.openstack.config import CloudConfig, TLSConfig
from instance_operator.openstack.image import images
from instance_operator.openstack.network import networks, ports, security_groups
from instance_operator.openstack.transport import error_for
from instance_operator.simulator import Simulator
from instance_operator.simulator.remote import RemoteSimulator
from tests.openstack.conftest import MakeCloud
from tests.support import waits

DETAIL = "/v2.1/servers/detail"


def _wait(compute: object, server_id: str, status: str) -> servers.Server:
    return waits.server_status(compute, server_id, status, timeout=20, interval=0.05)  # type: ignore[arg-type]


def test_pagination_over_2500_servers_is_lazy(sim: Simulator, make_cloud: MakeCloud) -> None:
    made = set(sim.servers.create(2500))
    compute = make_cloud().compute
    first = list(itertools.islice(servers.list_detail(compute), 10))
    assert len(first) == 10
    assert sim.counters.count(path=DETAIL) == 1
    listed = [s.id for s in servers.list_detail(compute)]
    assert len(listed) == 2500
    assert set(listed) == made
    pages = sim.counters.count(path=DETAIL) - 1
    assert pages == 3  # Nova's page size: 1000
    small = [s.id for s in servers.list_detail(compute, ListOpts(limit=500))]
    assert small == listed
    assert sim.counters.count(path=DETAIL) - 1 - pages in (5, 6)


def test_server_calls(sim: Simulator, make_cloud: MakeCloud) -> None:
    cloud = make_cloud()
    compute = cloud.compute
    flavor = flavors.find(compute, "m1.nano")
    image = images.find(cloud.image, sim.config.images[0].name)
    network = networks.find(cloud.network, sim.config.networks[0].name)
    keypair = keypairs.get(compute, sim.config.keypairs[0].name)
    group = security_groups.find(cloud.network, "default", project_id=cloud.project_id)
    assert group.name == "default"
    before = datetime.now(UTC) - timedelta(seconds=2)
    created = servers.create(
        compute,
        CreateOpts(
            name="web-1",
            flavor_ref=flavor.id,
            image_ref=image.id,
            networks=[NetworkSpec(uuid=network.id)],
            key_name=keypair.name,
            security_groups=["default"],
            availability_zone="nova",
            user_data=b"#cloud-config\n",
            metadata={"instance-operator.dev:name": "web-1"},
            tags=["iop-uid-1"],
        ),
    )
    server = _wait(compute, created.id, "ACTIVE")
    assert server.key_name == keypair.name
    assert server.tags == ["iop-uid-1"]
    assert server.availability_zone == "nova"
    assert network.name in server.addresses
    attached = list(ports.list_ports(cloud.network, device_id=created.id))
    assert len(attached) == 1
    assert ports.get(cloud.network, attached[0].id).network_id == network.id
    assert networks.get(cloud.network, network.id).name == network.name
    assert [g.name for g in servers.list_security_groups(compute, created.id)] == ["default"]
    assert [s.id for s in servers.list_detail(compute, ListOpts(tags_any=["iop-uid-1", "x"]))] == [
        created.id
    ]

    stop = servers.stop(compute, created.id)
    _wait(compute, created.id, "SHUTOFF")
    with pytest.raises(errors.Conflict):
        servers.reboot(compute, created.id)
    servers.start(compute, created.id)
    _wait(compute, created.id, "ACTIVE")
    servers.reboot(compute, created.id, RebootType.HARD)
    _wait(compute, created.id, "ACTIVE")
    resize = servers.resize(compute, created.id, flavors.find(compute, "m1.tiny").id)
    _wait(compute, created.id, "VERIFY_RESIZE")
    servers.confirm_resize(compute, created.id)
    assert _wait(compute, created.id, "ACTIVE").flavor_name == "m1.tiny"

    assert servers.replace_metadata(compute, created.id, {"a": "1"}).metadata == {"a": "1"}
    assert servers.set_metadata_items(compute, created.id, {"b": "2"}).metadata == {
        "a": "1",
        "b": "2",
    }
    servers.delete_metadata_item(compute, created.id, "a")
    assert servers.get_metadata(compute, created.id).metadata == {"b": "2"}
    assert servers.replace_tags(compute, created.id, ["iop-uid-1", "z"]).tags == ["iop-uid-1", "z"]
    servers.add_tag(compute, created.id, "y")
    servers.delete_tag(compute, created.id, "z")
    assert sorted(servers.list_tags(compute, created.id).tags) == ["iop-uid-1", "y"]
    assert servers.update_name(compute, created.id, "web-2").name == "web-2"

    extra = security_groups.list_security_groups(cloud.network, project_id=cloud.project_id)
    assert [g.name for g in extra] == ["default"]
    servers.remove_security_group(compute, created.id, "default")
    assert servers.list_security_groups(compute, created.id) == []
    servers.add_security_group(compute, created.id, "default")

    snapshot = servers.create_image(compute, created.id, "web-snap", {"k": "v"})
    assert images.get(cloud.image, snapshot.image_id).status in {"queued", "saving", "active"}
    active = waits.image_status(cloud.image, snapshot.image_id, timeout=20, interval=0.05)
    assert active.name == "web-snap"

    actions = {
        a.action_request_id: a.action for a in instance_actions.list_actions(compute, created.id)
    }
    assert actions[created.request_id] == "create"
    assert actions[stop.request_id] == "stop"
    assert actions[resize.request_id] == "resize"
    assert instance_actions.get_action(compute, created.id, stop.request_id).action == "stop"

    servers.delete(compute, created.id)
    waits.server_gone(compute, created.id, timeout=20, interval=0.05)
    changed = {s.id: s.status for s in servers.list_detail(compute, ListOpts(changes_since=before))}
    assert changed[created.id] == "DELETED"


def test_find_port_by_name(sim: Simulator, make_cloud: MakeCloud) -> None:
    cloud = make_cloud()
    compute = cloud.compute
    network = networks.find(cloud.network, sim.config.networks[0].name)
    made = [
        servers.create(
            compute,
            CreateOpts(
                name=f"p{index}",
                flavor_ref=sim.config.flavors[0].id,
                image_ref=sim.config.images[0].id,
                networks=[NetworkSpec(uuid=network.id)],
            ),
        )
        for index in range(3)
    ]
    port_ids = [
        next(iter(ports.list_ports(cloud.network, device_id=_wait(compute, s.id, "ACTIVE").id))).id
        for s in made
    ]
    # The simulator's Neutron is read-only and its ports unnamed: name them in its store.
    store = sim._cloud.network
    with sim._cloud.lock:
        for port_id, name in zip(port_ids, ["db", "dup", "dup"], strict=True):
            store.ports[port_id].name = name
    found = ports.find(cloud.network, "db")
    assert (found.id, found.name, found.network_id) == (port_ids[0], "db", network.id)
    with pytest.raises(errors.MultipleMatches, match=r"2 ports are named 'dup'") as caught:
        ports.find(cloud.network, "dup")
    assert sorted(caught.value.ids) == sorted(port_ids[1:])
    with pytest.raises(errors.NoMatch, match="no port named 'web'"):
        ports.find(cloud.network, "web")


def test_failed_build_is_resource_failed(sim: Simulator, make_cloud: MakeCloud) -> None:
    compute = make_cloud().compute
    sim.faults.set(error_next_builds=1)
    created = servers.create(
        compute,
        CreateOpts(
            name="doomed",
            flavor_ref=sim.config.flavors[0].id,
            image_ref=sim.config.images[0].id,
            networks="none",
        ),
    )
    with pytest.raises(waits.ResourceFailed, match="No valid host") as caught:
        _wait(compute, created.id, "ACTIVE")
    assert caught.value.status == "ERROR"
    server = servers.get(compute, created.id)
    assert server.fault is not None
    assert server.fault.code in (500, 400)


def test_error_shapes(sim: Simulator, make_cloud: MakeCloud) -> None:
    cloud = make_cloud()
    compute = cloud.compute
    with pytest.raises(errors.NotFound) as nova:
        servers.get(compute, "9fcbfa18-10c7-4959-b2c0-a355d92e4ebf")
    assert (nova.value.fault, nova.value.request_id is not None) == ("itemNotFound", True)
    with pytest.raises(errors.BadRequest, match="Flavor nonexistent-flavor could not be found"):
        servers.create(
            compute,
            CreateOpts(
                name="x",
                flavor_ref="nonexistent-flavor",
                image_ref=sim.config.images[0].id,
                networks="none",
            ),
        )
    with pytest.raises(errors.NotFound) as glance:
        images.get(cloud.image, "1bd6158e-8928-4af4-bc90-fd78c651b170")
    assert glance.value.message.startswith("No image found with ID")
    with pytest.raises(errors.NotFound) as neutron:
        networks.get(cloud.network, "nope")
    assert neutron.value.fault == "NeutronError"
    with pytest.raises(errors.NoMatch):
        flavors.find(compute, "m9.huge")
    with pytest.raises(errors.NotFound):
        keypairs.get(compute, "nope")

    token = cloud.provider.token().value.get_secret_value()
    for headers, cls, fault, text in [
        (
            {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.999"},
            errors.NotAcceptable,
            "computeFault",
            "Version 2.999 is not supported",
        ),
        ({"X-Auth-Token": "bogus"}, errors.Unauthorized, "error", "requires authentication"),
    ]:
        url = f"{compute.endpoint}/servers"
        answer = cloud.provider.transport.request(
            service="compute", method="GET", url=url, template="servers", headers=headers
        )
        error = error_for(answer, "GET", url)
        assert (type(error), error.fault) == (cls, fault)
        assert text in error.message
    url = f"{cloud.image.endpoint}/images/1bd6158e-8928-4af4-bc90-fd78c651b170"
    html = cloud.provider.transport.request(
        service="image",
        method="GET",
        url=url,
        template="images/{image_id}",
        headers={"X-Auth-Token": token, "Accept": "text/html"},
    )
    assert "html" in html.headers["Content-Type"]
    assert error_for(html, "GET", url).message.startswith("No image found with ID")


def test_check_cloud_against_the_simulator(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text(sim.clouds_yaml(cloud_name="sim"))
    out, err = io.StringIO(), io.StringIO()
    assert run(Namespace(cloud="sim", clouds_file=path), out=out, err=err) == 0, err.getvalue()
    text = out.getvalue()
    assert "compute microversion: 2.104" in text
    assert f"flavors ({len(sim.config.flavors)}):" in text
    assert f"images ({len(sim.config.images)}):" in text
    assert f"networks ({len(sim.config.networks)}):" in text
    listed = {tuple(line.split()) for line in text.splitlines() if line.startswith("  ")}
    seeded = [(f.name, f.id) for f in sim.config.flavors]
    seeded += [(i.name, i.id) for i in sim.config.images]
    seeded += [(n.name, n.id) for n in sim.config.networks]
    assert set(seeded) <= listed
    path.write_text(sim.clouds_yaml(cloud_name="sim").replace("password: admin", "password: x"))
    out, err = io.StringIO(), io.StringIO()
    assert run(Namespace(cloud="sim", clouds_file=path), out=out, err=err) == 1
    assert err.getvalue().startswith("check-cloud: FAILED: Keystone refused the credentials")


def test_check_cloud_with_a_pre_issued_token(
    sim: Simulator, make_cloud: MakeCloud, tmp_path: Path
) -> None:
    """``auth_type: v3token`` (a token issued elsewhere) works; unused keys are warned about."""
    token = make_cloud().provider.token()
    path = tmp_path / "clouds.yaml"
    path.write_text(
        "clouds:\n  tok:\n    auth_type: v3token\n    api_timeout: 30\n    auth:\n"
        f"      auth_url: {sim.auth_url}\n      token: {token.value.get_secret_value()}\n"
        f"      project_id: {token.project_id}\n"
    )
    out, err = io.StringIO(), io.StringIO()
    assert run(Namespace(cloud="tok", clouds_file=path), out=out, err=err) == 0, err.getvalue()
    assert out.getvalue().startswith("cloud tok: authenticated, project ")
    assert err.getvalue() == (
        "check-cloud: warning: ignored, not used by this operator: clouds.tok.api_timeout\n"
    )


def test_a_missing_tls_file_is_a_config_error(
    sim: Simulator, make_cloud: MakeCloud, sim_config: CloudConfig, tmp_path: Path
) -> None:
    """check-cloud prints its one-line diagnosis, the operator gets a ConfigError (requests
    would raise a bare OSError at the first request)."""
    missing = tmp_path / "client.pem"
    path = tmp_path / "clouds.yaml"
    path.write_text(sim.clouds_yaml(cloud_name="sim") + f"    cert: {missing}\n")
    out, err = io.StringIO(), io.StringIO()
    assert run(Namespace(cloud="sim", clouds_file=path), out=out, err=err) == 1
    assert err.getvalue() == (
        f"check-cloud: FAILED: configuration: clouds.sim.cert: cannot read {missing} (no such "
        "file or directory); it is read where the operator (or check-cloud) runs: mount the "
        "file there or fix the path\n"
    )
    direct = sim_config.model_copy(update={"tls": TLSConfig(cert=str(missing))})
    with pytest.raises(errors.ConfigError, match=r"^cert: cannot read"):
        make_cloud(direct)


def test_check_cloud_command_line(simulator_process: RemoteSimulator, tmp_path: Path) -> None:
    """The real command in a child process against a simulator in another child process."""
    clouds = tmp_path / "clouds.yaml"
    assert clouds.is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    done = subprocess.run(
        [sys.executable, "-m", "instance_operator", "check-cloud", "--cloud", "simulator",
         "--clouds-file", str(clouds)],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "compute microversion: 2.104" in done.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "instance_operator", "check-cloud", "--cloud", "elsewhere",
         "--clouds-file", str(clouds)],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert failed.returncode == 1
    assert failed.stderr.strip() == (
        "check-cloud: FAILED: configuration: clouds.yaml has no cloud 'elsewhere' "
        "(it has: simulator)"
    )


def test_exact_name_matches_that_name_only_whatever_it_holds(
    sim: Simulator, make_cloud: MakeCloud
) -> None:
    """Nova's name filter is a pattern (searched, not matched; case-blind in MySQL and here):
    ``exact_name`` anchors it and escapes what a pattern gives a meaning to."""
    compute = make_cloud().compute
    flavor = flavors.find(compute, "m1.nano").id
    image = images.find(make_cloud().image, sim.config.images[0].name).id
    names = ["a.b(1)+", "axb(1)+", "a.b(1)+x", "xa.b(1)+", "A.B(1)+", "a.b1", "[a]", "a", "a|b"]
    ids = {
        name: servers.create(
            compute, CreateOpts(name=name, flavor_ref=flavor, image_ref=image, networks="none")
        ).id
        for name in names
    }
    for name in ("a.b(1)+", "[a]", "a|b"):
        found = {
            s.id for s in servers.list_detail(compute, ListOpts(name=servers.exact_name(name)))
        }
        case_blind = {ids[n] for n in names if n.lower() == name.lower()}
        assert found == case_blind, name
