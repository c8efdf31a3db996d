"""Against a real Keystone, Nova, Glance and Neutron: authentication, catalog, microversion
negotiation, and every error shape the services answer with."""

from __future__ import annotations

import io
from argparse import Namespace
from pathlib import Path

import pytest

from instance_operator.openstack import errors
from instance_operator.openstack.check_cloud import run
from instance_operator.openstack.clients import COMPUTE_CEILING, COMPUTE_FLOOR
from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.compute import flavors, keypairs, servers
from instance_operator.openstack.compute.servers import CreateOpts
from instance_operator.openstack.config import CloudConfig
from instance_operator.openstack.image import images
from instance_operator.openstack.microversion import Microversion
from instance_operator.openstack.network import networks, ports, security_groups
from instance_operator.openstack.routes import Route
from instance_operator.openstack.transport import error_for
from tests.cloud.env import needs_cloud

pytestmark = needs_cloud


def _with_auth(config: CloudConfig, **changes: object) -> CloudConfig:
    auth = config.auth.model_copy(update=changes)
    return config.model_copy(update={"auth": auth})


def test_token_and_catalog(cloud: Cloud) -> None:
    token = cloud.provider.token()
    assert token.seconds_left() > 600
    assert token.project_id == cloud.project_id
    assert {"compute", "identity", "image", "network"} <= set(token.catalog.service_types())
    for service in ("compute", "image", "network"):
        assert cloud.provider.endpoint(service).startswith("http")
    with pytest.raises(errors.ServiceNotFound, match="compute"):
        cloud.provider.endpoint("object-store")


def test_wrong_region_lists_the_regions(config: CloudConfig) -> None:
    other = connect(config.model_copy(update={"region_name": "Nowhere"}))
    with pytest.raises(errors.EndpointNotFound) as caught:
        other.provider.endpoint("compute")
    assert any(a.endswith("/public") for a in caught.value.available)
    other.close()


def test_wrong_password_is_authentication_failed(config: CloudConfig) -> None:
    secret = "definitely-wrong-password"
    bad = connect(_with_auth(config, password=_secret(secret)))
    with pytest.raises(errors.AuthenticationFailed) as caught:
        bad.provider.token()
    assert caught.value.status_code == 401
    assert "requires authentication" in caught.value.message
    assert caught.value.request_id
    assert secret not in str(caught.value)
    bad.close()


def _secret(value: str) -> object:
    from pydantic import SecretStr

    return SecretStr(value)


def test_microversion_negotiation(cloud: Cloud, config: CloudConfig) -> None:
    assert cloud.compute.microversion is not None
    assert COMPUTE_FLOOR <= cloud.compute.microversion <= COMPUTE_CEILING
    pinned = connect(config.model_copy(update={"compute_api_version": Microversion(2, 60)}))
    assert pinned.compute.microversion == Microversion(2, 60)
    server_flavors = list(flavors.list_flavors(pinned.compute))
    assert server_flavors
    pinned.close()
    too_old = connect(config.model_copy(update={"compute_api_version": Microversion(2, 40)}))
    with pytest.raises(errors.MicroversionUnsupported, match="compute_api_version"):
        _ = too_old.compute
    too_old.close()


def test_nova_answers_406_for_an_unknown_microversion(cloud: Cloud) -> None:
    url = cloud.compute.endpoint + "/servers"
    token = cloud.provider.token().value.get_secret_value()
    answer = cloud.provider.transport.request(
        service="compute",
        method="GET",
        url=url,
        template="servers",
        headers={"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.999"},
    )
    error = error_for(answer, "GET", url)
    assert isinstance(error, errors.NotAcceptable)
    assert error.fault == "computeFault"
    assert "Version 2.999 is not supported" in error.message


def test_bad_token_shapes(cloud: Cloud) -> None:
    """Nova's keystonemiddleware answers 401 ``{"error": {...}}``; Glance its own JSON shape
    (``{"message", "code": "401 Unauthorized", "title"}``, with ``<br />`` in the message)."""
    expected = {"compute": "requires authentication", "image": "could not verify"}
    for client, route in ((cloud.compute, "servers"), (cloud.image, "images")):
        url = f"{client.endpoint}/{route}"
        answer = cloud.provider.transport.request(
            service=client.service_type,
            method="GET",
            url=url,
            template=route,
            headers={"X-Auth-Token": "not-a-token"},
        )
        error = error_for(answer, "GET", url)
        assert type(error) is errors.Unauthorized
        assert expected[client.service_type] in error.message
        assert "<" not in error.message


def test_keystone_not_found_shape(cloud: Cloud) -> None:
    identity = cloud.provider.endpoint("identity")
    url = f"{identity}/projects/0123456789abcdef0123456789abcdef"
    token = cloud.provider.token().value.get_secret_value()
    answer = cloud.provider.transport.request(
        service="identity",
        method="GET",
        url=url,
        template="projects/{id}",
        headers={"X-Auth-Token": token},
    )
    error = error_for(answer, "GET", url)
    assert isinstance(error, errors.NotFound)
    assert error.fault == "error"
    assert "Could not find project" in error.message


def test_nova_error_shapes(cloud: Cloud, image_id: str) -> None:
    compute = cloud.compute
    missing = "9fcbfa18-10c7-4959-b2c0-a355d92e4ebf"
    with pytest.raises(errors.NotFound) as not_found:
        servers.get(compute, missing)
    assert not_found.value.fault == "itemNotFound"
    assert missing in not_found.value.message
    assert not_found.value.request_id
    assert not_found.value.url.endswith(f"/servers/{missing}")
    with pytest.raises(errors.BadRequest, match="Flavor nonexistent-flavor could not be found"):
        servers.create(
            compute,
            CreateOpts(
                name="x", flavor_ref="nonexistent-flavor", image_ref=image_id, networks="none"
            ),
        )
    nano = flavors.find(compute, "m1.nano")
    with pytest.raises(errors.BadRequest, match="Can not find requested image"):
        servers.create(
            compute, CreateOpts(name="x", flavor_ref=nano.id, image_ref=missing, networks="none")
        )
    with pytest.raises(errors.BadRequest, match="'flavorRef' is a required property"):
        compute.post(Route("servers", "servers"), {"server": {"name": "x"}})
    with pytest.raises(errors.NotFound, match="Keypair iop-test-no-such-keypair not found"):
        keypairs.get(compute, "iop-test-no-such-keypair")
    with pytest.raises(errors.NotFound):
        flavors.get(compute, "no-such-flavor")


def test_glance_and_neutron_error_shapes(cloud: Cloud) -> None:
    with pytest.raises(errors.NotFound) as glance:
        images.get(cloud.image, "1bd6158e-8928-4af4-bc90-fd78c651b170")
    assert glance.value.message.startswith("No image found with ID")
    assert "<" not in glance.value.message
    with pytest.raises(errors.NotFound) as neutron:
        networks.get(cloud.network, "f0000000-0000-0000-0000-000000000000")
    assert neutron.value.fault == "NeutronError"
    with pytest.raises(errors.NotFound):
        ports.get(cloud.network, "f0000000-0000-0000-0000-000000000000")


def test_lookups(cloud: Cloud, image_id: str) -> None:
    names = {f.name for f in flavors.list_flavors(cloud.compute)}
    assert {"m1.nano", "m1.tiny"} <= names
    tiny = flavors.find(cloud.compute, "m1.tiny")
    assert flavors.get(cloud.compute, tiny.id) == tiny
    with pytest.raises(errors.NoMatch, match="no flavor named"):
        flavors.find(cloud.compute, "m9.enormous")
    image = images.get(cloud.image, image_id)
    assert image.name is not None
    assert images.find(cloud.image, image.name).id == image_id
    with pytest.raises(errors.NoMatch):
        images.find(cloud.image, "iop-test-no-such-image")
    with pytest.raises(errors.NoMatch):
        networks.find(cloud.network, "iop-test-no-such-network")
    with pytest.raises(errors.NoMatch):
        security_groups.find(cloud.network, "default", project_id=cloud.project_id)
    assert list(ports.list_ports(cloud.network, device_id=image_id)) == []


def test_duplicate_image_names_are_reported(cloud: Cloud) -> None:
    from tests.cloud.conftest import delete_image, unique, upload_image

    name = unique("twin")
    first, second = upload_image(cloud, name), upload_image(cloud, name)
    try:
        with pytest.raises(errors.MultipleMatches) as caught:
            images.find(cloud.image, name)
        assert sorted(caught.value.ids) == sorted([first, second])
    finally:
        delete_image(cloud, first)
        delete_image(cloud, second)


def test_check_cloud_command(clouds_yaml: Path, config: CloudConfig) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(Namespace(cloud=config.name, clouds_file=clouds_yaml), out=out, err=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "authenticated" in text
    assert f"compute microversion: {COMPUTE_CEILING}" in text
    assert "flavors (" in text
    out, err = io.StringIO(), io.StringIO()
    code = run(Namespace(cloud="no-such-cloud", clouds_file=clouds_yaml), out=out, err=err)
    assert code == 1
    assert err.getvalue().startswith("check-cloud: FAILED: configuration:")
    assert len(err.getvalue().strip().splitlines()) == 1
