"""A server as the controller remembers it: the few fields it decides on, in a small frozen record.

The shared watcher keeps one of these per server of a cloud scope (10,000 and more), so it holds
only what the status, the actions and the updates need, in slots rather than a full pydantic
model with its links and nested objects. ``seen_at`` is when the poll that saw it *started*:
an observation is evidence about an action only if it started after the action's call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from instance_operator.openstack.compute.servers import EmbeddedFlavor, FlavorLink, Server


@dataclass(frozen=True, slots=True)
class Address:
    network: str
    ip: str
    version: int
    type: str | None
    mac: str | None


@dataclass(frozen=True, slots=True)
class Observed:
    id: str
    name: str | None
    status: str
    task_state: str | None
    power_state: int | None
    updated: datetime | None
    created: datetime | None
    addresses: tuple[Address, ...]
    #: Before microversion 2.47 Nova names the flavor by ID, from 2.47 by name only.
    flavor_id: str | None
    flavor_name: str | None
    image_id: str | None
    key_name: str | None
    availability_zone: str | None
    #: The groups Nova reports the server in (microversion 2.71 and later), else None.
    server_groups: tuple[str, ...] | None
    fault_code: int | None
    fault_message: str | None
    tags: tuple[str, ...]
    metadata: dict[str, str]
    security_groups: tuple[str, ...]
    seen_at: float

    @classmethod
    def from_server(cls, server: Server, seen_at: float) -> Observed:
        flavor_id = server.flavor.id if isinstance(server.flavor, FlavorLink) else None
        flavor_name = (
            server.flavor.original_name if isinstance(server.flavor, EmbeddedFlavor) else None
        )
        return cls(
            id=server.id,
            name=server.name,
            status=server.status,
            task_state=server.task_state,
            power_state=server.power_state,
            updated=server.updated,
            created=server.created,
            addresses=tuple(
                Address(network, a.addr, a.version, a.type, a.mac_addr)
                for network in sorted(server.addresses)
                for a in server.addresses[network]
            ),
            flavor_id=flavor_id,
            flavor_name=flavor_name,
            image_id=server.image.id if server.image else None,
            key_name=server.key_name,
            availability_zone=server.availability_zone,
            server_groups=None if server.server_groups is None else tuple(server.server_groups),
            fault_code=server.fault.code if server.fault else None,
            fault_message=server.fault.message if server.fault else None,
            tags=tuple(server.tags or ()),
            metadata=dict(server.metadata),
            security_groups=tuple(sorted({g.name for g in server.security_groups})),
            seen_at=seen_at,
        )

    def same_state(self, other: Observed) -> bool:
        """Equal apart from when it was seen: nothing to tell the reconciler."""
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__ if f != "seen_at")
