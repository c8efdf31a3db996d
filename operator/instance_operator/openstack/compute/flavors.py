"""Nova flavors: list, get, find by name.

Nova cannot filter flavors by name, so ``find`` walks the detailed list (flavors are few).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from instance_operator.openstack.lookup import exactly_one
from instance_operator.openstack.pagination import paginate
from instance_operator.openstack.resource import Link, Resource
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient


def _swap(value: Any) -> Any:
    """Before 2.75 a flavor without swap says ``"swap": ""``."""
    return 0 if value == "" else value


class Flavor(Resource):
    id: str
    name: str
    vcpus: int
    #: MiB.
    ram: int
    #: GiB of root disk.
    disk: int
    #: GiB of ephemeral disk.
    ephemeral: int = Field(default=0, alias="OS-FLV-EXT-DATA:ephemeral")
    #: MiB of swap (``""`` before 2.75 is read as 0).
    swap: Annotated[int, BeforeValidator(_swap)] = 0
    is_public: bool = Field(default=True, alias="os-flavor-access:is_public")
    is_disabled: bool = Field(default=False, alias="OS-FLV-DISABLED:disabled")
    rxtx_factor: float | None = None
    #: 2.55+.
    description: str | None = None
    #: 2.61+, for callers that policy allows to see them.
    extra_specs: dict[str, str] | None = None
    links: list[Link] = Field(default_factory=list)


def list_flavors(client: ServiceClient) -> Iterator[Flavor]:
    return paginate(client, Route("flavors/detail", "flavors/detail"), key="flavors", model=Flavor)


def get(client: ServiceClient, flavor_id: str) -> Flavor:
    response = client.get(Route.of("flavors/{flavor_id}", flavor_id=flavor_id))
    return Flavor.parse(response.object("flavor"), response.request_id)


def find(client: ServiceClient, name: str) -> Flavor:
    """The one flavor named ``name``; ``NoMatch``/``MultipleMatches`` otherwise."""
    matches = (f for f in list_flavors(client) if f.name == name)
    return exactly_one("flavor", name, matches, lambda f: f.id)
