"""Server tags (2.26+): list, replace all, add one, delete one.

The reconciler marks each server with a tag holding its owner's UID, so these calls keep that
mark intact; tags are checked against Nova's rules before sending.
"""

from __future__ import annotations

from pydantic import Field

from instance_operator.openstack.compute.servers import urls
from instance_operator.openstack.compute.servers.requests import check_tags
from instance_operator.openstack.resource import Accepted, Resource
from instance_operator.openstack.service import ServiceClient, accepted


class ServerTags(Resource):
    tags: list[str] = Field(default_factory=list)


def list_tags(client: ServiceClient, server_id: str) -> ServerTags:
    response = client.get(urls.tags(server_id))
    return ServerTags.parse(response.body, response.request_id)


def replace_tags(client: ServiceClient, server_id: str, tags: list[str]) -> ServerTags:
    """The server's tags become exactly ``tags``; returns them (Nova sorts them)."""
    response = client.put(urls.tags(server_id), {"tags": check_tags(list(tags))})
    return ServerTags.parse(response.body, response.request_id)


def add_tag(client: ServiceClient, server_id: str, tag: str) -> Accepted:
    """201 when added, 204 when the server already had it."""
    check_tags([tag])
    return accepted(client.put(urls.tag(server_id, tag), ok=(201, 204)))


def delete_tag(client: ServiceClient, server_id: str, tag: str) -> Accepted:
    return accepted(client.delete(urls.tag(server_id, tag)))
