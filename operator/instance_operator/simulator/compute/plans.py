"""What a caller asks the compute state machine for: who asks, and a validated create request.

Kept apart from the state machine so request parsing (``create``) and test set-up
(``controls``) can build requests without pulling in the machine itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from instance_operator.simulator.compute.server_groups import ServerGroup
from instance_operator.simulator.config import FlavorSeed
from instance_operator.simulator.image.store import Image
from instance_operator.simulator.network.store import Network, Port


@dataclass(frozen=True)
class Caller:
    """Who asks, for the instance-action record."""

    user_id: str
    project_id: str
    request_id: str


@dataclass(frozen=True)
class Attachment:
    """One entry of a create request's ``networks``: a network (maybe a fixed IP) or a port."""

    network: Network | None = None
    port: Port | None = None
    fixed_ip: str | None = None


@dataclass
class Blueprint:
    """A validated create request."""

    name: str
    flavor: FlavorSeed
    image: Image
    attachments: list[Attachment]
    group_ids: list[str]
    group_names: list[str]
    key_name: str | None = None
    availability_zone: str | None = None
    user_data: str | None = None
    metadata: dict[str, str] | None = None
    tags: list[str] | None = None
    description: str | None = None
    hostname: str | None = None
    scheduler_hints: dict[str, list[str]] | None = None
    access_ipv4: str = ""
    access_ipv6: str = ""
    config_drive: bool = False
    admin_pass: str | None = None
    #: The group of the ``group`` scheduler hint; the server joins it at create.
    server_group: ServerGroup | None = None
