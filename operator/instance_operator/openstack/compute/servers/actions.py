"""Server actions (``POST /servers/{id}/action``): start, stop, reboot, snapshot, resize.

Each returns the answer's request ID (``Accepted.request_id``), which is what Nova records in
``os-instance-actions``: after a crash, the reconciler can tell whether its call got through.
An action in the wrong state answers 409 (``Conflict``), e.g. ``os-start`` on an ACTIVE server or a
reboot of a SHUTOFF one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from instance_operator.openstack.compute.servers import urls
from instance_operator.openstack.compute.servers.requests import check_metadata
from instance_operator.openstack.compute.servers.results import CreatedImage
from instance_operator.openstack.resource import Accepted
from instance_operator.openstack.service import ServiceClient, accepted


class RebootType(StrEnum):
    #: Ask the guest OS to restart.
    SOFT = "SOFT"
    #: Power-cycle the server.
    HARD = "HARD"


def _act(client: ServiceClient, server_id: str, body: dict[str, Any]) -> Accepted:
    return accepted(client.post(urls.action(server_id), body, ok=(202,)))


def start(client: ServiceClient, server_id: str) -> Accepted:
    return _act(client, server_id, {"os-start": None})


def stop(client: ServiceClient, server_id: str) -> Accepted:
    return _act(client, server_id, {"os-stop": None})


def reboot(client: ServiceClient, server_id: str, kind: RebootType = RebootType.SOFT) -> Accepted:
    return _act(client, server_id, {"reboot": {"type": kind.value}})


def resize(client: ServiceClient, server_id: str, flavor_ref: str) -> Accepted:
    """Start a resize; the server goes to ``VERIFY_RESIZE`` and waits for ``confirm_resize``."""
    return _act(client, server_id, {"resize": {"flavorRef": flavor_ref}})


def confirm_resize(client: ServiceClient, server_id: str) -> Accepted:
    """Nova answers 204 here (most actions answer 202)."""
    return accepted(client.post(urls.action(server_id), {"confirmResize": None}, ok=(202, 204)))


def create_image(
    client: ServiceClient,
    server_id: str,
    name: str,
    metadata: dict[str, str] | None = None,
) -> CreatedImage:
    """Snapshot the server; the image ID is in the answer's body from 2.45 (the client's floor
    is above that). Follow the image's status with ``image.images.get``."""
    body = {"createImage": {"name": name, "metadata": check_metadata(dict(metadata or {}))}}
    response = client.post(urls.action(server_id), body, ok=(202,))
    return CreatedImage.parse(response.body, response.request_id)
