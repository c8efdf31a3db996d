"""Server and flavor bodies as Nova renders them, field by field per microversion and role.

Admins see the ``OS-EXT-SRV-ATTR:*`` attributes and ``host_status``; members do not (from 2.90
they see ``OS-EXT-SRV-ATTR:hostname``). Addresses are hidden while a server builds, and
``security_groups`` appears only when the server has ports, exactly as in Nova.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from instance_operator.simulator.compute.model import (
    BUILDING,
    FAULT_STATUSES,
    PROGRESS_STATUSES,
    Server,
)
from instance_operator.simulator.compute.server_groups import ServerGroups
from instance_operator.simulator.config import FlavorSeed
from instance_operator.simulator.http.api import ApiRequest
from instance_operator.simulator.image.store import ImageStore
from instance_operator.simulator.network.store import NetworkStore
from instance_operator.simulator.timefmt import isotime, isotime_micro


@dataclass(frozen=True)
class Links:
    """Link prefixes as Nova builds them from the request URL (project ID kept if it was there)."""

    api: str
    bookmark: str

    @classmethod
    def of(cls, req: ApiRequest) -> Links:
        project = req.params.get("project_id")
        suffix = f"/{project}" if project else ""
        return cls(f"{req.origin}/compute/v2.1{suffix}", f"{req.origin}/compute{suffix}")

    def pair(self, collection: str, item_id: str) -> list[dict[str, str]]:
        return [
            {"rel": "self", "href": f"{self.api}/{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{self.bookmark}/{collection}/{item_id}"},
        ]

    def bookmark_only(self, collection: str, item_id: str) -> list[dict[str, str]]:
        return [{"rel": "bookmark", "href": f"{self.bookmark}/{collection}/{item_id}"}]


def host_id(project_id: str, host: str | None) -> str:
    if not host:
        return ""
    return hashlib.sha224((project_id + host).encode()).hexdigest()


class ServerView:
    def __init__(self, network: NetworkStore, images: ImageStore, groups: ServerGroups) -> None:
        self._network = network
        self._images = images
        self._groups = groups

    def server_groups(self, server: Server) -> list[str]:
        """The 2.71+ ``server_groups``: the ID of the server's group, if it is in one."""
        group = self._groups.of_server(server.id)
        return [group.id] if group is not None else []

    def basic(self, server: Server, links: Links) -> dict[str, Any]:
        if server.cell_down:
            return {"id": server.id, "links": links.pair("servers", server.id), "status": "UNKNOWN"}
        return {"id": server.id, "links": links.pair("servers", server.id), "name": server.name}

    def addresses(self, server: Server, extended: bool = True) -> dict[str, list[dict[str, Any]]]:
        if server.vm_state == BUILDING:
            return {}
        result: dict[str, list[dict[str, Any]]] = {}
        for port_id in server.ports:
            port = self._network.ports.get(port_id)
            if port is None:
                continue
            network = self._network.networks[port.network_id]
            for subnet_id, address in port.fixed_ips:
                entry: dict[str, Any] = {
                    "version": self._network.subnets[subnet_id].version,
                    "addr": address,
                }
                if extended:
                    entry["OS-EXT-IPS:type"] = "fixed"
                    entry["OS-EXT-IPS-MAC:mac_addr"] = port.mac_address
                result.setdefault(network.name, []).append(entry)
        return result

    def group_ids(self, server: Server) -> list[str]:
        seen: dict[str, None] = {}
        for port_id in server.ports:
            port = self._network.ports.get(port_id)
            if port is not None:
                seen.update(dict.fromkeys(port.security_groups))
        return list(seen)

    def _flavor(self, flavor: FlavorSeed, req: ApiRequest, links: Links) -> dict[str, Any]:
        if not req.at_least(2, 47):
            return {"id": flavor.id, "links": links.bookmark_only("flavors", flavor.id)}
        return {
            "vcpus": flavor.vcpus,
            "ram": flavor.ram,
            "disk": flavor.disk,
            "ephemeral": flavor.ephemeral,
            "swap": flavor.swap,
            "original_name": flavor.name,
            "extra_specs": dict(flavor.extra_specs),
        }

    def _image(self, server: Server, req: ApiRequest, links: Links) -> dict[str, Any]:
        image: dict[str, Any] = {
            "id": server.image_id,
            "links": links.bookmark_only("images", server.image_id),
        }
        if req.at_least(2, 98):
            known = self._images.images.get(server.image_id)
            image["properties"] = dict(known.properties) if known is not None else {}
        return image

    def detail(
        self, server: Server, req: ApiRequest, links: Links, *, single: bool, full: bool = True
    ) -> dict[str, Any]:
        """The detailed view of show and list; ``single`` is a show/update answer (with
        ``server_groups`` from 2.71). ``full=False`` is the shorter answer of an update before
        2.75, which leaves out the extension attributes."""
        if server.cell_down:
            return self._down_cell(server, req, links, single=single)
        token = req.auth
        admin = token.is_admin and full
        status = server.status
        view: dict[str, Any] = {
            "accessIPv4": server.access_ipv4,
            "accessIPv6": server.access_ipv6,
            "addresses": self.addresses(server, extended=full),
            "created": isotime(server.created),
            "flavor": self._flavor(server.flavor, req, links),
            "hostId": host_id(server.project_id, server.host),
            "id": server.id,
            "image": self._image(server, req, links),
            "links": links.pair("servers", server.id),
            "metadata": dict(server.metadata),
            "name": server.name,
            "status": status,
            "tenant_id": server.project_id,
            "user_id": server.user_id,
            "updated": isotime(server.updated),
            "OS-DCF:diskConfig": "MANUAL",
        }
        if status in FAULT_STATUSES and server.fault is not None:
            fault = server.fault
            view["fault"] = {
                "code": fault.code,
                "created": isotime(fault.created),
                "message": fault.message,
            }
            if fault.details and (admin or fault.code != 500):
                view["fault"]["details"] = fault.details
        if status in PROGRESS_STATUSES:
            view["progress"] = 0
        if full:
            self._extensions(view, server, req, admin)
        self._microversioned(view, server, req, admin=admin, single=single, full=full)
        return view

    def _down_cell(
        self, server: Server, req: ApiRequest, links: Links, *, single: bool
    ) -> dict[str, Any]:
        """What Nova answers (2.69+) for a server whose cell is down: a list shows the few fields
        the API database holds; a show adds the flavor and image from the request spec."""
        view: dict[str, Any] = {
            "created": isotime(server.created),
            "id": server.id,
            "links": links.pair("servers", server.id),
            "status": "UNKNOWN",
            "tenant_id": server.project_id,
        }
        if single:
            view["user_id"] = server.user_id
            view["flavor"] = self._flavor(server.flavor, req, links)
            view["image"] = self._image(server, req, links)
            view["OS-EXT-AZ:availability_zone"] = "UNKNOWN"
            view["OS-EXT-STS:power_state"] = 0
            if req.at_least(2, 71):
                view["server_groups"] = self.server_groups(server)
        return view

    def _microversioned(
        self,
        view: dict[str, Any],
        server: Server,
        req: ApiRequest,
        *,
        admin: bool,
        single: bool,
        full: bool,
    ) -> None:
        """The fields later microversions added, each from its own version."""
        if req.at_least(2, 9):
            view["locked"] = False
        if req.at_least(2, 16) and admin:
            view["host_status"] = "UP" if server.host and not server.deleted else ""
        if req.at_least(2, 19):
            view["description"] = server.description
        if req.at_least(2, 26):
            view["tags"] = list(server.tags)
        if req.at_least(2, 63):
            view["trusted_image_certificates"] = None
        if single and req.at_least(2, 71):
            view["server_groups"] = self.server_groups(server)
        if req.at_least(2, 73):
            view["locked_reason"] = None
        if req.at_least(2, 90) and not admin:
            view["OS-EXT-SRV-ATTR:hostname"] = server.hostname
        if full and req.at_least(2, 96):
            view["pinned_availability_zone"] = server.requested_az
        if req.at_least(2, 100):
            view["scheduler_hints"] = {k: list(v) for k, v in server.scheduler_hints.items()}

    def _extensions(
        self, view: dict[str, Any], server: Server, req: ApiRequest, admin: bool
    ) -> None:
        """The attributes that were API extensions before 2.1 (left out of old update answers)."""
        view["OS-EXT-AZ:availability_zone"] = server.availability_zone or server.requested_az or ""
        view["config_drive"] = server.config_drive
        view["key_name"] = server.key_name
        view["OS-SRV-USG:launched_at"] = (
            isotime_micro(server.launched_at) if server.launched_at else None
        )
        view["OS-SRV-USG:terminated_at"] = (
            isotime_micro(server.terminated_at) if server.terminated_at else None
        )
        groups = self._network.group_names(self.group_ids(server))
        if groups:
            view["security_groups"] = [{"name": name} for name in groups]
        if admin:
            view["OS-EXT-SRV-ATTR:host"] = server.host
            view["OS-EXT-SRV-ATTR:instance_name"] = server.instance_name
            view["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.host
            if req.at_least(2, 3):
                view["OS-EXT-SRV-ATTR:hostname"] = server.hostname
                view["OS-EXT-SRV-ATTR:kernel_id"] = ""
                view["OS-EXT-SRV-ATTR:launch_index"] = 0
                view["OS-EXT-SRV-ATTR:ramdisk_id"] = ""
                view["OS-EXT-SRV-ATTR:reservation_id"] = server.reservation_id
                view["OS-EXT-SRV-ATTR:root_device_name"] = server.root_device_name
                view["OS-EXT-SRV-ATTR:user_data"] = server.user_data
        view["OS-EXT-STS:task_state"] = server.task_state
        view["OS-EXT-STS:vm_state"] = server.vm_state
        view["OS-EXT-STS:power_state"] = server.power_state
        view["os-extended-volumes:volumes_attached"] = []


def flavor_view(
    flavor: FlavorSeed, req: ApiRequest, links: Links, *, detail: bool
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": flavor.id,
        "links": links.pair("flavors", flavor.id),
        "name": flavor.name,
    }
    if detail:
        view["ram"] = flavor.ram
        view["disk"] = flavor.disk
        view["vcpus"] = flavor.vcpus
        view["OS-FLV-EXT-DATA:ephemeral"] = flavor.ephemeral
        view["os-flavor-access:is_public"] = True
        view["swap"] = flavor.swap if req.at_least(2, 75) or flavor.swap else ""
        if not req.at_least(2, 102):
            view["OS-FLV-DISABLED:disabled"] = False
            view["rxtx_factor"] = 1.0
        if req.at_least(2, 61):
            view["extra_specs"] = dict(flavor.extra_specs)
    if req.at_least(2, 55):
        view["description"] = flavor.description
    return view
