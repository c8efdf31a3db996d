"""A server's security groups: list them, add or remove one by name.

The list comes from Nova (``os-security-groups``), which asks Neutron for the groups of the
server's ports; a server without ports has none.
"""

from __future__ import annotations

from pydantic import Field

from instance_operator.openstack.compute.servers import urls
from instance_operator.openstack.resource import Accepted, Resource
from instance_operator.openstack.service import ServiceClient, accepted


class ServerSecurityGroup(Resource):
    id: str
    name: str
    description: str | None = None
    #: The owning project.
    tenant_id: str | None = None
    #: The rules as Nova relays them from Neutron.
    rules: list[dict[str, object]] = Field(default_factory=list)


def list_security_groups(client: ServiceClient, server_id: str) -> list[ServerSecurityGroup]:
    response = client.get(urls.security_groups(server_id))
    return [
        ServerSecurityGroup.parse(raw, response.request_id)
        for raw in response.object("security_groups")
    ]


def add_security_group(client: ServiceClient, server_id: str, name: str) -> Accepted:
    body = {"addSecurityGroup": {"name": name}}
    return accepted(client.post(urls.action(server_id), body, ok=(202,)))


def remove_security_group(client: ServiceClient, server_id: str, name: str) -> Accepted:
    body = {"removeSecurityGroup": {"name": name}}
    return accepted(client.post(urls.action(server_id), body, ok=(202,)))
