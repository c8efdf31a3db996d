"""Server metadata: read it, replace it all, set some items, delete one.

Keys are checked against Nova's pattern before sending (see ``requests.METADATA_KEY``). Each
call returns the server's whole metadata afterwards, as Nova answers it, with the request ID.
"""

from __future__ import annotations

from pydantic import Field

from instance_operator.openstack.compute.servers import urls
from instance_operator.openstack.compute.servers.requests import check_metadata
from instance_operator.openstack.resource import Accepted, Resource
from instance_operator.openstack.service import Response, ServiceClient, accepted


class ServerMetadata(Resource):
    metadata: dict[str, str] = Field(default_factory=dict)


def _metadata(response: Response) -> ServerMetadata:
    return ServerMetadata.parse(response.body, response.request_id)


def get_metadata(client: ServiceClient, server_id: str) -> ServerMetadata:
    return _metadata(client.get(urls.metadata(server_id)))


def replace_metadata(
    client: ServiceClient, server_id: str, metadata: dict[str, str]
) -> ServerMetadata:
    """``PUT``: the server's metadata becomes exactly ``metadata``; returns it."""
    body = {"metadata": check_metadata(dict(metadata))}
    return _metadata(client.put(urls.metadata(server_id), body))


def set_metadata_items(
    client: ServiceClient, server_id: str, metadata: dict[str, str]
) -> ServerMetadata:
    """``POST``: adds or overwrites these keys, keeps the others; returns all metadata."""
    body = {"metadata": check_metadata(dict(metadata))}
    return _metadata(client.post(urls.metadata(server_id), body, ok=(200,)))


def delete_metadata_item(client: ServiceClient, server_id: str, key: str) -> Accepted:
    return accepted(client.delete(urls.metadata_item(server_id, key)))
