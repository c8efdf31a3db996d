"""Neutron ports: get one, list those of a device (a server's ports, by its ID), find by name.

As for networks, ``find`` does not restrict the owner, and two ports of the same name are
reported, not guessed between.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from instance_operator.openstack.lookup import exactly_one
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
    client: ServiceClient,
    *,
    device_id: str | None = None,
    network_id: str | None = None,
    name: str | None = None,
) -> Iterator[Port]:
    filters = (("device_id", device_id), ("network_id", network_id), ("name", name))
    params = [(k, v) for k, v in filters if v is not None]
    return paginate(client, Route("ports", "ports"), key="ports", model=Port, params=params)


def find(client: ServiceClient, name: str) -> Port:
    """The one port named ``name``; ``NoMatch``/``MultipleMatches`` otherwise."""
    return exactly_one("port", name, list_ports(client, name=name), lambda p: p.id)
