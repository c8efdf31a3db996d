"""Glance images: list, get and find by name (the operator reads a snapshot's status with ``get``).

Glance answers errors in HTML unless asked for JSON; the transport always sends ``Accept:
application/json``. Image properties beyond the schema's own fields are top-level keys in
Glance's answers; the ones a snapshot carries are modelled, the others ignored.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from instance_operator.openstack.lookup import exactly_one
from instance_operator.openstack.pagination import paginate
from instance_operator.openstack.resource import Resource, Timestamp
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient


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
