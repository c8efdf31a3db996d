"""Neutron networks: get one, list with filters, find by name.

Shared and external networks of other projects are visible and legitimately used, so ``find``
does not restrict the owner; two networks of the same name are reported, not guessed between.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from instance_operator.openstack.lookup import exactly_one
from instance_operator.openstack.pagination import paginate
from instance_operator.openstack.resource import Resource
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient


class Network(Resource):
    id: str
    name: str
    #: ``ACTIVE``, ``DOWN``, ``BUILD`` or ``ERROR``.
    status: str | None = None
    admin_state_up: bool = True
    shared: bool = False
    #: Whether it is an external (provider) network.
    external: bool = Field(default=False, alias="router:external")
    subnets: list[str] = Field(default_factory=list)
    project_id: str | None = None
    mtu: int | None = None
    tags: list[str] = Field(default_factory=list)


def get(client: ServiceClient, network_id: str) -> Network:
    response = client.get(Route.of("networks/{network_id}", network_id=network_id))
    return Network.parse(response.object("network"), response.request_id)


def list_networks(client: ServiceClient, *, name: str | None = None) -> Iterator[Network]:
    params = [("name", name)] if name is not None else []
    return paginate(
        client, Route("networks", "networks"), key="networks", model=Network, params=params
    )


def find(client: ServiceClient, name: str) -> Network:
    return exactly_one("network", name, list_networks(client, name=name), lambda n: n.id)
