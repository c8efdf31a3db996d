"""Neutron's read routes: networks, ports and security groups, with Neutron's generic filters.

Neutron filters a collection by any attribute given in the query (``?name=private``,
``?device_id=...``), narrows the keys with ``fields``, and pages with ``limit``/``marker``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, ok
from instance_operator.simulator.http.routing import Router
from instance_operator.simulator.network.store import (
    Network,
    NetworkStore,
    Port,
    Rule,
    SecurityGroup,
)
from instance_operator.simulator.timefmt import isotime

_NOT_FILTERS = {"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"}


def network_view(network: Network) -> dict[str, Any]:
    stamp = isotime(network.created)
    return {
        "admin_state_up": True,
        "availability_zone_hints": [],
        "availability_zones": ["nova"],
        "created_at": stamp,
        "dns_domain": "",
        "id": network.id,
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "l2_adjacency": True,
        "mtu": network.mtu,
        "name": network.name,
        "port_security_enabled": True,
        "project_id": network.project_id,
        "pvlan": False,
        "qos_policy_id": None,
        "revision_number": 1,
        "router:external": False,
        "shared": network.shared,
        "status": "ACTIVE",
        "subnets": [s.id for s in network.subnets],
        "tags": [],
        "tenant_id": network.project_id,
        "updated_at": stamp,
        "vlan_transparent": False,
        "qinq": False,
        "description": "",
        "is_default": False,
    }


def port_view(port: Port) -> dict[str, Any]:
    return {
        "admin_state_up": True,
        "allowed_address_pairs": [],
        "created_at": isotime(port.created),
        "data_plane_status": None,
        "description": "",
        "device_id": port.device_id,
        "device_owner": port.device_owner,
        "dns_assignment": [],
        "dns_domain": "",
        "dns_name": "",
        "extra_dhcp_opts": [],
        "fixed_ips": [{"ip_address": ip, "subnet_id": subnet} for subnet, ip in port.fixed_ips],
        "id": port.id,
        "ip_allocation": "immediate",
        "mac_address": port.mac_address,
        "name": port.name,
        "network_id": port.network_id,
        "port_security_enabled": True,
        "project_id": port.project_id,
        "revision_number": 1,
        "security_groups": list(port.security_groups),
        "status": "ACTIVE" if port.device_id else "DOWN",
        "tags": [],
        "tenant_id": port.project_id,
        "updated_at": isotime(port.updated),
        "qos_network_policy_id": None,
        "qos_policy_id": None,
        "propagate_uplink_status": False,
        "pvlan_type": "",
        "pvlan_community": "",
        "hardware_offload_type": "",
    }


def _rule_view(rule: Rule, group: SecurityGroup) -> dict[str, Any]:
    stamp = isotime(group.created)
    return {
        "direction": rule.direction,
        "ethertype": rule.ethertype,
        "id": rule.id,
        "port_range_max": None,
        "port_range_min": None,
        "protocol": None,
        "remote_group_id": rule.remote_group_id,
        "remote_ip_prefix": None,
        "security_group_id": group.id,
        "project_id": group.project_id,
        "revision_number": 1,
        "tags": [],
        "tenant_id": group.project_id,
        "created_at": stamp,
        "updated_at": stamp,
        "description": "",
        "belongs_to_default_sg": group.name == "default",
    }


def group_view(group: SecurityGroup) -> dict[str, Any]:
    stamp = isotime(group.created)
    return {
        "description": group.description,
        "id": group.id,
        "name": group.name,
        "security_group_rules": [_rule_view(r, group) for r in group.rules],
        "project_id": group.project_id,
        "revision_number": 1,
        "created_at": stamp,
        "updated_at": stamp,
        "tags": [],
        "tenant_id": group.project_id,
        "stateful": True,
        "shared": False,
    }


def _matches(view: dict[str, Any], key: str, wanted: list[str]) -> bool:
    value = view.get(key)
    if isinstance(value, bool):
        return str(value).lower() in {w.lower() for w in wanted}
    return value is not None and not isinstance(value, (list, dict)) and str(value) in wanted


class NetworkApi:
    def __init__(self, store: NetworkStore) -> None:
        self._store = store

    def register(self, router: Router) -> None:
        for path in ("/networking", "/networking/"):
            router.add("GET", path, self.versions, public=True)
        for plural, singular, kind in (
            ("networks", "network", "Network"),
            ("ports", "port", "Port"),
            ("security-groups", "security_group", "SecurityGroup"),
        ):
            router.add("GET", f"/networking/v2.0/{plural}", self._index(plural, singular))
            router.add(
                "GET", f"/networking/v2.0/{plural}/{{item_id}}", self._show(plural, singular, kind)
            )

    def versions(self, req: ApiRequest) -> ApiResponse:
        link = {"href": f"{req.origin}/networking/v2.0", "rel": "self"}
        return ok({"versions": [{"status": "CURRENT", "id": "v2.0", "links": [link]}]})

    def _views(self, plural: str, req: ApiRequest) -> list[dict[str, Any]]:
        token = req.auth
        admin, project = token.is_admin, token.project_id
        store = self._store
        if plural == "networks":
            return [
                network_view(n)
                for n in store.networks.values()
                if admin or n.shared or n.project_id == project
            ]
        if plural == "ports":
            return [port_view(p) for p in store.ports.values() if admin or p.project_id == project]
        return [
            group_view(g)
            for g in store.security_groups.values()
            if admin or g.project_id == project
        ]

    def _index(self, plural: str, singular: str) -> Callable[[ApiRequest], ApiResponse]:
        key = plural.replace("-", "_")

        def index(req: ApiRequest) -> ApiResponse:
            views = self._views(plural, req)
            for name in set(req.query) - _NOT_FILTERS:
                wanted = req.query.getall(name)
                views = [v for v in views if _matches(v, name, wanted)]
            marker = req.query.get("marker")
            if marker is not None:
                ids = [v["id"] for v in views]
                if marker not in ids:
                    kind = singular.replace("_", " ").capitalize()
                    raise ApiError(404, f"{kind} {marker} could not be found.", kind="HTTPNotFound")
                views = views[ids.index(marker) + 1 :]
            body: dict[str, Any] = {}
            if "limit" in req.query:
                limit = int(req.query["limit"]) if req.query["limit"].isdigit() else 0
                if limit and len(views) > limit:
                    views = views[:limit]
                    params = [(k, v) for k, v in req.query.items() if k != "marker"]
                    href = f"{req.origin}/networking/v2.0/{plural}?{urlencode([*params, ('marker', views[-1]['id'])])}"
                    body[f"{key}_links"] = [{"href": href, "rel": "next"}]
            fields = req.query.getall("fields", [])
            if fields:
                views = [{k: v[k] for k in fields if k in v} for v in views]
            return ok({key: views, **body})

        return index

    def _show(self, plural: str, singular: str, kind: str) -> Callable[[ApiRequest], ApiResponse]:
        def show(req: ApiRequest) -> ApiResponse:
            item_id = req.params["item_id"]
            for view in self._views(plural, req):
                if view["id"] == item_id:
                    return ok({singular: view})
            message = (
                f"Security group {item_id} does not exist"
                if kind == "SecurityGroup"
                else f"{kind} {item_id} could not be found."
            )
            raise ApiError(404, message, kind=f"{kind}NotFound")

        return show
