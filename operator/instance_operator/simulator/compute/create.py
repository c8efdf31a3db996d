"""``POST /servers`` body validation: from Nova's schema to a ``Blueprint`` the state machine builds.

The order of checks follows Nova (schema, flavor, image, key, zone, security groups, networks,
server group) so the first error a bad request gets is the one Nova would give.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from instance_operator.simulator.compute import schema
from instance_operator.simulator.compute.keypairs import Keypair
from instance_operator.simulator.compute.plans import Attachment, Blueprint
from instance_operator.simulator.compute.server_groups import ServerGroup, ServerGroups
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.errors import ApiError, nova_validation
from instance_operator.simulator.http.api import ApiRequest
from instance_operator.simulator.image.store import ImageStore
from instance_operator.simulator.network.store import NetworkStore

_BASE_KEYS = {
    "name", "imageRef", "flavorRef", "adminPass", "metadata", "networks", "OS-DCF:diskConfig",
    "accessIPv4", "accessIPv6", "key_name", "availability_zone", "block_device_mapping",
    "block_device_mapping_v2", "config_drive", "min_count", "max_count", "return_reservation_id",
    "security_groups", "user_data",
}  # fmt: skip
_TOP_KEYS = {"server", "OS-SCH-HNT:scheduler_hints", "os:scheduler_hints"}


def _allowed_keys(req: ApiRequest) -> set[str]:
    keys = set(_BASE_KEYS)
    for key, since in (
        ("personality", None), ("description", (2, 19)), ("tags", (2, 52)),
        ("trusted_image_certificates", (2, 63)), ("host", (2, 74)),
        ("hypervisor_hostname", (2, 74)), ("hostname", (2, 90)),
    ):  # fmt: skip
        if (since is None and not req.at_least(2, 57)) or (
            since is not None and req.at_least(*since)
        ):
            keys.add(key)
    return keys


@dataclass
class CreateRequest:
    plan: Blueprint
    min_count: int
    max_count: int
    return_reservation_id: bool


def _count(server: dict[str, Any], key: str) -> int:
    value = server.get(key, 1)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise nova_validation(key, value, f"{value!r} is less than the minimum of 1")
    return value


def _hints(body: dict[str, Any]) -> dict[str, list[str]]:
    raw = body.get("OS-SCH-HNT:scheduler_hints") or body.get("os:scheduler_hints") or {}
    if not isinstance(raw, dict):
        raise schema.json_type_error("OS-SCH-HNT:scheduler_hints", raw, "object")
    return {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in raw.items()}


def _group_hint(body: dict[str, Any]) -> str | None:
    """The ``group`` scheduler hint, which Nova's schema wants as a UUID string."""
    raw = body.get("OS-SCH-HNT:scheduler_hints") or body.get("os:scheduler_hints") or {}
    if not isinstance(raw, dict) or "group" not in raw:
        return None
    return schema.uuid_string("group", raw["group"])


class CreateParser:
    def __init__(
        self,
        config: SimulatorConfig,
        network: NetworkStore,
        images: ImageStore,
        keypairs: list[Keypair],
        groups: ServerGroups,
    ) -> None:
        self._config = config
        self._network = network
        self._images = images
        self._keypairs = keypairs
        self._groups = groups

    def parse(self, req: ApiRequest) -> CreateRequest:
        body = req.body
        server = schema.mapping(body, "server")
        schema.no_extra_keys(None, body, _TOP_KEYS)
        schema.no_extra_keys("server", server, _allowed_keys(req))
        name = schema.name("name", schema.required("server", server, "name"))
        flavor_ref = schema.required("server", server, "flavorRef")
        if req.at_least(2, 37):
            schema.required("server", server, "networks")
        if "block_device_mapping" in server or "block_device_mapping_v2" in server:
            raise ApiError(400, "Block device mappings are not supported by the simulator.")
        hints = _hints(body)
        group_id = _group_hint(body)
        min_count, max_count = _count(server, "min_count"), _count(server, "max_count")
        if min_count > max_count:
            raise ApiError(400, "min_count must be <= max_count")
        metadata = schema.metadata("metadata", server.get("metadata", {}))
        tags = schema.tags("tags", server["tags"]) if "tags" in server else []
        user_data = server.get("user_data")
        if user_data is not None:
            user_data = schema.base64_string("user_data", user_data)
        description = server.get("description")
        if description is not None:
            description = schema.string("description", description)

        flavor_id = str(flavor_ref).rstrip("/").rsplit("/", 1)[-1]
        flavor = next((f for f in self._config.flavors if f.id == flavor_id), None)
        if flavor is None:
            raise ApiError(400, f"Flavor {flavor_id} could not be found.")
        image_ref = server.get("imageRef")
        if not image_ref:
            raise ApiError(400, "Missing imageRef attribute")
        image = self._images.images.get(str(image_ref).rstrip("/").rsplit("/", 1)[-1])
        token = req.auth
        if image is None or not self._images.visible(image, token.project_id, token.is_admin):
            raise ApiError(400, "Can not find requested image")
        if image.status != "active":
            raise ApiError(400, f"Image {image.id} is not active.")
        key_name = server.get("key_name")
        if key_name is not None and not any(
            k.name == key_name and k.user_id == token.user.id for k in self._keypairs
        ):
            raise ApiError(400, "Invalid key_name provided.")
        zone = server.get("availability_zone")
        if zone is not None and zone not in self._config.availability_zones:
            raise ApiError(400, "The requested availability zone is not available")
        group_names, group_ids = self._security_groups(
            server.get("security_groups"), token.project_id
        )
        attachments = self._attachments(req, server.get("networks"), token.project_id)
        plan = Blueprint(
            name=name,
            flavor=flavor,
            image=image,
            attachments=attachments,
            group_ids=group_ids,
            group_names=group_names,
            key_name=key_name,
            availability_zone=zone,
            user_data=user_data,
            metadata=metadata,
            tags=tags,
            description=description,
            hostname=server.get("hostname"),
            scheduler_hints=hints,
            access_ipv4=str(server.get("accessIPv4") or ""),
            access_ipv6=str(server.get("accessIPv6") or ""),
            config_drive=bool(server.get("config_drive")),
            admin_pass=server.get("adminPass"),
            server_group=self._server_group(group_id, req),
        )
        return CreateRequest(plan, min_count, max_count, bool(server.get("return_reservation_id")))

    def _server_group(self, group_id: str | None, req: ApiRequest) -> ServerGroup | None:
        """The hinted group; one the caller cannot see is Nova's 400, not a 404."""
        if group_id is None:
            return None
        try:
            return self._groups.find(group_id, req.auth.project_id, req.auth.is_admin)
        except ApiError as exc:
            raise ApiError(400, exc.message) from None

    def _security_groups(self, requested: Any, project_id: str) -> tuple[list[str], list[str]]:
        if requested is None:
            requested = [{"name": "default"}]
        if not isinstance(requested, list):
            raise schema.json_type_error("security_groups", requested, "array")
        names, ids = [], []
        for entry in requested:
            ref = schema.string("name", schema.required("security_groups", entry, "name"))
            group = self._network.find_security_group(ref, project_id)
            if group is None:
                raise ApiError(400, f"Security group {ref} not found.")
            names.append(ref)
            ids.append(group.id)
        return names, ids

    def _attachments(self, req: ApiRequest, networks: Any, project_id: str) -> list[Attachment]:
        if isinstance(networks, str) and not req.at_least(2, 37):
            raise schema.json_type_error("networks", networks, "array")
        if networks == "none":
            return []
        if networks is None or networks == "auto":
            available = self._network.available_networks(project_id)
            if len(available) > 1:
                raise ApiError(
                    409,
                    "More than one possible network found. Specify network ID(s) to select "
                    "which one(s) to connect to.",
                )
            if not available and networks == "auto":
                raise ApiError(
                    400, f"Unable to automatically allocate a network for project {project_id}"
                )
            return [Attachment(network=n) for n in available]
        if not isinstance(networks, list):
            raise nova_validation(
                "networks", networks, f"{networks!r} is not valid under any of the given schemas"
            )
        return [self._attachment(entry, project_id) for entry in networks]

    def _attachment(self, entry: Any, project_id: str) -> Attachment:
        if not isinstance(entry, dict):
            raise schema.json_type_error("0", entry, "object")
        if entry.get("port"):
            return Attachment(
                port=self._network.require_port(schema.uuid_string("port", entry["port"]))
            )
        if "uuid" not in entry:
            raise ApiError(400, "Bad networks format: network uuid is not in proper format (None)")
        network_id = schema.uuid_string("uuid", entry["uuid"])
        network = self._network.networks.get(network_id)
        if network is None or not (network.shared or network.project_id == project_id):
            raise ApiError(400, f"Network {network_id} could not be found.")
        fixed_ip = entry.get("fixed_ip")
        if fixed_ip is not None:
            try:
                ipaddress.ip_address(fixed_ip)
            except (TypeError, ValueError):
                raise nova_validation(
                    "fixed_ip",
                    fixed_ip,
                    f"{fixed_ip!r} is not valid under any of the given schemas",
                ) from None
            holder = self._network.address_in_use(network_id, fixed_ip)
            if holder is not None:
                raise ApiError(
                    400,
                    f"Fixed IP address {fixed_ip} is already in use on instance {holder.device_id}.",
                )
        return Attachment(network=network, fixed_ip=fixed_ip)
