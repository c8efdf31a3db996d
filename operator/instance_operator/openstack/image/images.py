"""Glance images: list, get, find by name, and follow a snapshot until it is active.

Glance answers errors in HTML unless asked for JSON; the transport always sends ``Accept:
application/json``. Image properties beyond the schema's own fields are top-level keys in
Glance's answers; the ones a snapshot carries are modelled, the others ignored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator

from pydantic import Field

from instance_operator.openstack.lookup import exactly_one
from instance_operator.openstack.pagination import paginate
from instance_operator.openstack.polling import poll_status
from instance_operator.openstack.resource import Resource, Timestamp
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient

#: An image in one of these will never become active.
FAILED = frozenset({"killed", "deleted", "pending_delete", "deactivated"})


class Image(Resource):
    id: str
    name: str | None = None
    #: ``queued``, ``saving``, ``uploading``, ``importing``, ``active``, ``killed``...
    status: str
    #: ``public``, ``private``, ``shared`` or ``community``.
    visibility: str | None = None
    #: Bytes; ``None`` until data is uploaded.
    size: int | None = None
    disk_format: str | None = None
    container_format: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    #: The owning project.
    owner: str | None = None
    tags: list[str] = Field(default_factory=list)
    checksum: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    #: ``snapshot`` for a server snapshot (set by Nova).
    image_type: str | None = None
    #: The server a snapshot was taken of (set by Nova).
    instance_uuid: str | None = None


def list_images(
    client: ServiceClient, *, name: str | None = None, status: str | None = None
) -> Iterator[Image]:
    params = [(k, v) for k, v in (("name", name), ("status", status)) if v is not None]
    return paginate(client, Route("images", "images"), key="images", model=Image, params=params)


def get(client: ServiceClient, image_id: str) -> Image:
    response = client.get(Route.of("images/{image_id}", image_id=image_id))
    return Image.parse(response.body, response.request_id)


def find(client: ServiceClient, name: str) -> Image:
    """The one image named ``name`` (Glance filters by exact name)."""
    return exactly_one("image", name, list_images(client, name=name), lambda i: i.id)


def wait_for_status(
    client: ServiceClient,
    image_id: str,
    wanted: str | Collection[str] = "active",
    *,
    timeout: float = 600.0,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Image:
    """The image once its status is ``wanted`` (a snapshot goes queued -> saving -> active)."""
    targets = {wanted} if isinstance(wanted, str) else set(wanted)
    return poll_status(
        lambda: get(client, image_id),
        lambda image: image.status,
        wanted=targets,
        failed=FAILED - targets,
        what=f"image {image_id}",
        timeout=timeout,
        interval=interval,
        clock=clock,
        sleep=sleep,
    )
