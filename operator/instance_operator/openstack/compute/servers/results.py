"""The typed server and the other answers of the server API.

Microversion rules (gophercloud's MICROVERSIONS.md): a field that only newer microversions send
is optional and says since when; a field whose shape changed gets one model per shape
(``flavor``: ``FlavorLink`` before 2.47, ``EmbeddedFlavor`` from 2.47). Servers in a cell that is
down (2.69+) come back with little more than ``id`` and ``status: UNKNOWN``, so nearly every
field is optional.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Discriminator, Field, Tag

from instance_operator.openstack.resource import Link, Resource, Timestamp


class Address(Resource):
    """One address of a server on one network."""

    #: The IP address.
    addr: str
    #: 4 or 6.
    version: int
    #: ``fixed`` or ``floating``.
    type: str | None = Field(default=None, alias="OS-EXT-IPS:type")
    #: The port's MAC address.
    mac_addr: str | None = Field(default=None, alias="OS-EXT-IPS-MAC:mac_addr")


class FlavorLink(Resource):
    """The server's flavor before 2.47: only a reference."""

    #: The flavor's ID.
    id: str
    links: list[Link] = Field(default_factory=list)


class EmbeddedFlavor(Resource):
    """The server's flavor from 2.47: a copy of what it was booted with, without an ID."""

    #: The flavor's name when the server got it.
    original_name: str
    vcpus: int
    #: MiB.
    ram: int
    #: GiB of root disk.
    disk: int
    #: GiB of ephemeral disk.
    ephemeral: int = 0
    #: MiB of swap.
    swap: int = 0
    #: Only shown to callers that policy allows to see extra specs.
    extra_specs: dict[str, str] | None = None


def _flavor_shape(value: Any) -> str:
    if isinstance(value, dict):
        return "embedded" if "original_name" in value else "link"
    return "embedded" if isinstance(value, EmbeddedFlavor) else "link"


ServerFlavor = Annotated[
    Annotated[EmbeddedFlavor, Tag("embedded")] | Annotated[FlavorLink, Tag("link")],
    Discriminator(_flavor_shape),
]


class ImageLink(Resource):
    """The image a server was booted from."""

    #: The image's ID.
    id: str
    links: list[Link] = Field(default_factory=list)
    #: The image's properties (2.98+).
    properties: dict[str, Any] | None = None


def _no_image(value: Any) -> Any:
    """Nova sends ``"image": ""`` for a server booted from a volume."""
    return None if value == "" else value


class Fault(Resource):
    """Why a server is in ERROR (or what last went wrong with it)."""

    code: int
    message: str
    created: Timestamp
    #: A traceback; only for administrators, or for non-500 faults.
    details: str | None = None


class SecurityGroupRef(Resource):
    """A security group as the server lists it: by name only."""

    name: str


class Server(Resource):
    """A server as ``GET /servers/{id}`` and ``GET /servers/detail`` show it."""

    #: The server's UUID.
    id: str
    #: ``BUILD``, ``ACTIVE``, ``SHUTOFF``, ``ERROR``, ``DELETED`` (changes-since only),
    #: ``UNKNOWN`` (down cell, 2.69+), and the transitional ones (``REBOOT``, ``RESIZE``...).
    status: str
    #: ``None`` only for a server in a down cell (2.69+).
    name: str | None = None
    #: What Nova is doing now (``scheduling``, ``spawning``, ``deleting``...), or ``None``.
    task_state: str | None = Field(default=None, alias="OS-EXT-STS:task_state")
    #: Nova's state machine: ``building``, ``active``, ``stopped``, ``error``, ``deleted``...
    vm_state: str | None = Field(default=None, alias="OS-EXT-STS:vm_state")
    #: 0 no state, 1 running, 3 paused, 4 shutdown, 6 crashed, 7 suspended.
    power_state: int | None = Field(default=None, alias="OS-EXT-STS:power_state")
    #: Addresses per network name.
    addresses: dict[str, list[Address]] = Field(default_factory=dict)
    #: ``FlavorLink`` before 2.47, ``EmbeddedFlavor`` from 2.47.
    flavor: ServerFlavor | None = None
    #: ``None`` when booted from a volume.
    image: Annotated[ImageLink | None, BeforeValidator(_no_image)] = None
    #: Present when the server is (or was) in ERROR.
    fault: Fault | None = None
    #: Server tags (2.26+).
    tags: list[str] | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    key_name: str | None = None
    #: Absent while the server has no port (e.g. ``networks: none``).
    security_groups: list[SecurityGroupRef] = Field(default_factory=list)
    #: Empty until the server is scheduled.
    availability_zone: str | None = Field(default=None, alias="OS-EXT-AZ:availability_zone")
    created: Timestamp | None = None
    updated: Timestamp | None = None
    launched_at: Timestamp | None = Field(default=None, alias="OS-SRV-USG:launched_at")
    terminated_at: Timestamp | None = Field(default=None, alias="OS-SRV-USG:terminated_at")
    locked: bool | None = None
    #: Why it is locked (2.73+).
    locked_reason: str | None = None
    #: The owning project.
    tenant_id: str | None = None
    user_id: str | None = None
    #: An opaque hash of the host, the same for servers on one host within a project.
    host_id: str | None = Field(default=None, alias="hostId")
    #: Free-form description (2.19+).
    description: str | None = None
    #: Build progress in percent, when the driver reports it.
    progress: int | None = None
    #: The hostname the server sees (2.90+).
    hostname: str | None = Field(default=None, alias="OS-EXT-SRV-ATTR:hostname")
    #: The availability zone the server is pinned to (2.96+).
    pinned_availability_zone: str | None = None
    #: The scheduler hints it was created with (2.100+).
    scheduler_hints: dict[str, Any] | None = None
    #: The ID of the server group it belongs to, if any (2.71+; show and update answers only).
    server_groups: list[str] | None = None
    links: list[Link] = Field(default_factory=list)

    @property
    def flavor_name(self) -> str | None:
        """The flavor's name, when the microversion embeds the flavor (2.47+)."""
        return self.flavor.original_name if isinstance(self.flavor, EmbeddedFlavor) else None


class CreatedServer(Resource):
    """The answer to a create: the new ID, little else. ``adminPass`` is deliberately dropped."""

    id: str
    links: list[Link] = Field(default_factory=list)
    security_groups: list[SecurityGroupRef] = Field(default_factory=list)
    #: ``AUTO`` or ``MANUAL``.
    disk_config: str | None = Field(default=None, alias="OS-DCF:diskConfig")


class CreatedImage(Resource):
    """The answer to ``createImage``: the snapshot's Glance image ID (in the body from 2.45)."""

    image_id: str
