"""Neutron ports: get one, or list those of a device (a server's ports, by its ID)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from instance_operator.openstack.pagination import paginate
from instance_operator.openstack.resource import Resource
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient


class FixedIP(Resource):
    subnet_id: str | None = None
    ip_address: str


class Port(Resource):
    id: str
    name: str = ""
    network_id: str
    #: The server (or router...) the port is bound to.
    device_id: str = ""
    #: ``compute:<zone>`` for a server's port.
    device_owner: str = ""
    mac_address: str | None = None
    fixed_ips: list[FixedIP] = Field(default_factory=list)
    #: ``ACTIVE``, ``DOWN``, ``BUILD`` or ``ERROR``.
    status: str | None = None
    #: Security group IDs.
    security_groups: list[str] = Field(default_factory=list)
    admin_state_up: bool = True
    project_id: str | None = None


def get(client: ServiceClient, port_id: str) -> Port:
    response = client.get(Route.of("ports/{port_id}", port_id=port_id))
    return Port.parse(response.object("port"), response.request_id)


def list_ports(
    client: ServiceClient, *, device_id: str | None = None, network_id: str | None = None
) -> Iterator[Port]:
    params = [
        (k, v) for k, v in (("device_id", device_id), ("network_id", network_id)) if v is not None
    ]
    return paginate(client, Route("ports", "ports"), key="ports", model=Port, params=params)
