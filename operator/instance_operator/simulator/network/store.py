"""Neutron's state: networks with their subnets' address pools, ports, security groups.

Nova asks this store for ports when it builds a server, so addresses come from the seeded
CIDRs, unique per subnet, and the port list answers ``device_id`` queries like Neutron's.
"""

from __future__ import annotations

import ipaddress
import itertools
import uuid
from dataclasses import dataclass, field

from instance_operator.simulator.config import SimulatorConfig, derived_uuid
from instance_operator.simulator.errors import ApiError


@dataclass
class Subnet:
    id: str
    network_id: str
    cidr: ipaddress.IPv4Network | ipaddress.IPv6Network
    #: Host offsets handed out, so freed addresses can be reused.
    used: set[int] = field(default_factory=set)
    cursor: int = 2

    @property
    def version(self) -> int:
        return self.cidr.version

    def take(self, address: str | None) -> str:
        """Reserve ``address`` (or the next free one); raises ``LookupError`` when none is left."""
        base = int(self.cidr.network_address)
        if address is not None:
            offset = int(ipaddress.ip_address(address)) - base
            self.used.add(offset)
            return address
        last = self.cidr.num_addresses - (2 if self.version == 4 else 1)
        for _ in range(min(last, 1 << 20)):
            offset = self.cursor
            self.cursor = self.cursor + 1 if self.cursor < last else 2
            if offset not in self.used:
                self.used.add(offset)
                return str(ipaddress.ip_address(base + offset))
        raise LookupError(self.id)

    def release(self, address: str) -> None:
        self.used.discard(int(ipaddress.ip_address(address)) - int(self.cidr.network_address))

    def holds(self, address: str) -> bool:
        try:
            return ipaddress.ip_address(address) in self.cidr
        except ValueError:
            return False


@dataclass
class Network:
    id: str
    name: str
    project_id: str
    shared: bool
    mtu: int
    subnets: list[Subnet]
    created: float


@dataclass
class Rule:
    id: str
    direction: str
    ethertype: str
    remote_group_id: str | None


@dataclass
class SecurityGroup:
    id: str
    name: str
    description: str
    project_id: str
    rules: list[Rule]
    created: float


@dataclass
class Port:
    id: str
    network_id: str
    project_id: str
    mac_address: str
    #: (subnet ID, address) pairs.
    fixed_ips: list[tuple[str, str]]
    security_groups: list[str]
    created: float
    updated: float
    device_id: str = ""
    device_owner: str = ""
    name: str = ""


def _default_rules(group_id: str, with_ingress: bool) -> list[Rule]:
    rules = [
        Rule(derived_uuid("rule", f"{group_id}/egress/{eth}"), "egress", eth, None)
        for eth in ("IPv4", "IPv6")
    ]
    if with_ingress:
        rules += [
            Rule(derived_uuid("rule", f"{group_id}/ingress/{eth}"), "ingress", eth, group_id)
            for eth in ("IPv4", "IPv6")
        ]
    return rules


class NetworkStore:
    def __init__(self, config: SimulatorConfig, now: float) -> None:
        self._config = config
        self.networks: dict[str, Network] = {}
        self.subnets: dict[str, Subnet] = {}
        self.ports: dict[str, Port] = {}
        self.security_groups: dict[str, SecurityGroup] = {}
        self._macs = itertools.count(1)
        self.clear(now)

    def clear(self, now: float) -> None:
        config = self._config
        self.networks.clear()
        self.subnets.clear()
        self.ports.clear()
        self.security_groups.clear()
        first_project = config.projects[0].id
        for seed in config.networks:
            subnets = [Subnet(seed.subnet_id, seed.id, ipaddress.ip_network(seed.cidr))]
            if seed.ipv6_cidr:
                subnets.append(
                    Subnet(seed.ipv6_subnet_id, seed.id, ipaddress.ip_network(seed.ipv6_cidr))
                )
            owner = config.project(seed.project).id if seed.project else first_project
            self.networks[seed.id] = Network(
                seed.id, seed.name, owner, seed.shared, seed.mtu, subnets, now
            )
            self.subnets.update((s.id, s) for s in subnets)
        for project in config.projects:
            group_id = derived_uuid("security_group", f"{project.name}/default")
            self.security_groups[group_id] = SecurityGroup(
                group_id, "default", "Default security group", project.id,
                _default_rules(group_id, with_ingress=True), now,
            )  # fmt: skip
        for sg in config.security_groups:
            self.security_groups[sg.id] = SecurityGroup(
                sg.id, sg.name, sg.description, config.project(sg.project).id,
                _default_rules(sg.id, with_ingress=False), now,
            )  # fmt: skip

    def available_networks(self, project_id: str) -> list[Network]:
        """The networks a server of the project may attach to without naming one."""
        return [n for n in self.networks.values() if n.shared or n.project_id == project_id]

    def find_security_group(self, name_or_id: str, project_id: str) -> SecurityGroup | None:
        group = self.security_groups.get(name_or_id)
        if group is not None and group.project_id == project_id:
            return group
        for group in self.security_groups.values():
            if group.name == name_or_id and group.project_id == project_id:
                return group
        return None

    def group_names(self, group_ids: list[str]) -> list[str]:
        return [self.security_groups[g].name for g in group_ids if g in self.security_groups]

    def address_in_use(self, network_id: str, address: str) -> Port | None:
        for port in self.ports.values():
            if port.network_id == network_id and any(ip == address for _, ip in port.fixed_ips):
                return port
        return None

    def create_port(
        self,
        network: Network,
        project_id: str,
        group_ids: list[str],
        now: float,
        fixed_ip: str | None = None,
    ) -> Port:
        """A port with an address from each subnet; ``LookupError`` when an address can't be had."""
        taken: list[tuple[Subnet, str]] = []
        try:
            if fixed_ip is not None:
                subnet = next((s for s in network.subnets if s.holds(fixed_ip)), None)
                if subnet is None:
                    raise LookupError(
                        f"Invalid input for operation: IP address {fixed_ip} is not a valid IP "
                        "for the specified subnet."
                    )
                taken.append((subnet, subnet.take(fixed_ip)))
            else:
                for subnet in network.subnets:
                    taken.append((subnet, subnet.take(None)))
        except LookupError as exc:
            for subnet, address in taken:
                subnet.release(address)
            message = (
                str(exc) if fixed_ip else f"No more IP addresses available on network {network.id}."
            )
            raise LookupError(message) from None
        serial = next(self._macs)
        port = Port(
            id=str(uuid.uuid4()),
            network_id=network.id,
            project_id=project_id,
            mac_address=f"fa:16:3e:{serial >> 16 & 0xFF:02x}:{serial >> 8 & 0xFF:02x}:{serial & 0xFF:02x}",
            fixed_ips=[(s.id, a) for s, a in taken],
            security_groups=list(group_ids),
            created=now,
            updated=now,
        )
        self.ports[port.id] = port
        return port

    def bind(self, port: Port, server_id: str, now: float) -> None:
        port.device_id = server_id
        port.device_owner = "compute:nova"
        port.updated = now

    def release(self, port_ids: list[str], own_ports: set[str], now: float) -> None:
        """Detach a deleted server: delete the ports Nova made, unbind the ones it was given."""
        for port in [self.ports[p] for p in port_ids if p in self.ports]:
            if port.id in own_ports:
                for subnet_id, address in port.fixed_ips:
                    self.subnets[subnet_id].release(address)
                del self.ports[port.id]
            else:
                port.device_id = ""
                port.device_owner = ""
                port.updated = now

    def require_port(self, port_id: str) -> Port:
        port = self.ports.get(port_id)
        if port is None:
            raise ApiError(400, f"Port id {port_id} could not be found.")
        if port.device_id:
            raise ApiError(409, f"Port {port_id} is still in use.")
        return port
