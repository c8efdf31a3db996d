"""Fixtures for the tests against a real cloud (the mini-cloud in ``make test-cloud``).

They run only when ``IOP_TEST_CLOUDS_YAML`` names a clouds.yaml; ``IOP_TEST_CLOUD`` picks the
cloud in it (default ``minicloud``). Everything they create is named ``iop-test-*`` and removed.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.compute import flavors, servers
from instance_operator.openstack.compute.servers import CreateOpts
from instance_operator.openstack.config import CloudConfig, load_clouds_file
from instance_operator.openstack.errors import NotFound
from instance_operator.openstack.routes import Route
from tests.cloud.env import CLOUDS_YAML
from tests.support import waits

CLOUD_NAME = os.environ.get("IOP_TEST_CLOUD", "minicloud")


@pytest.fixture(scope="session")
def clouds_yaml() -> Path:
    assert CLOUDS_YAML is not None
    return Path(CLOUDS_YAML)


@pytest.fixture(scope="session")
def config(clouds_yaml: Path) -> CloudConfig:
    return load_clouds_file(clouds_yaml, CLOUD_NAME)


@pytest.fixture(scope="session")
def cloud(config: CloudConfig) -> Iterator[Cloud]:
    cloud = connect(config)
    yield cloud
    cloud.close()


def unique(prefix: str) -> str:
    return f"iop-test-{prefix}-{uuid.uuid4().hex[:8]}"


def upload_image(cloud: Cloud, name: str) -> str:
    """A 4 KiB raw image, active; Glance's data upload is not JSON, so plain requests does it."""
    created = cloud.image.request(
        "POST",
        Route("images", "images"),
        ok=(201,),
        json={"name": name, "disk_format": "raw", "container_format": "bare"},
    ).body
    token = cloud.provider.token().value.get_secret_value()
    answer = requests.put(
        f"{cloud.image.endpoint}/images/{created['id']}/file",
        data=b"\0" * 4096,
        headers={"X-Auth-Token": token, "Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert answer.status_code == 204, answer.text
    waits.image_status(cloud.image, created["id"], timeout=60, interval=0.5)
    return str(created["id"])


def delete_image(cloud: Cloud, image_id: str) -> None:
    with contextlib.suppress(NotFound):
        cloud.image.delete(Route.of("images/{image_id}", image_id=image_id))


@pytest.fixture(scope="session")
def image_id(cloud: Cloud) -> Iterator[str]:
    image = upload_image(cloud, unique("image"))
    yield image
    delete_image(cloud, image)


@pytest.fixture(scope="session")
def nano(cloud: Cloud) -> flavors.Flavor:
    return flavors.find(cloud.compute, "m1.nano")


@pytest.fixture
def server_factory(
    cloud: Cloud, nano: flavors.Flavor, image_id: str
) -> Iterator[Callable[..., servers.CreatedServer]]:
    made: list[str] = []

    def make(**overrides: object) -> servers.CreatedServer:
        fields: dict[str, object] = {
            "name": unique("server"),
            "flavor_ref": nano.id,
            "image_ref": image_id,
            "networks": "none",
        }
        fields.update(overrides)
        created = servers.create(cloud.compute, CreateOpts.model_validate(fields))
        made.append(created.id)
        return created

    yield make
    for server_id in made:
        try:
            servers.delete(cloud.compute, server_id)
        except NotFound:
            continue
    for server_id in made:
        waits.server_gone(cloud.compute, server_id, timeout=120, interval=0.5)
