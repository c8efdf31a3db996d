"""``POST /servers/{id}/action``: power, reboot, resize, snapshot and security-group actions.

The body's single key names the action. The server is looked up first (404), then the
action's own checks run (400/409), as in Nova.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instance_operator.simulator.compute import schema
from instance_operator.simulator.compute.model import Server
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.errors import ApiError, nova_validation
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, empty, ok
from instance_operator.simulator.http.routing import Router
from instance_operator.simulator.image.store import SnapshotSource

_REBOOT_TYPES = ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]

Action = Callable[[ApiRequest, Server, Any], ApiResponse]


class ActionsApi:
    def __init__(self, parts: ComputeParts) -> None:
        self._parts = parts
        self._actions: dict[str, Action] = {
            "os-start": self._start,
            "os-stop": self._stop,
            "reboot": self._reboot,
            "resize": self._resize,
            "confirmResize": self._confirm_resize,
            "createImage": self._create_image,
            "addSecurityGroup": self._add_group,
            "removeSecurityGroup": self._remove_group,
        }

    def register(self, router: Router) -> None:
        router.add_compute("POST", "/servers/{server_id}/action", self.act)

    def act(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        body = req.body
        if not isinstance(body, dict) or len(body) != 1:
            raise ApiError(400, "Malformed request body")
        ((name, argument),) = body.items()
        action = self._actions.get(name)
        if action is None:
            raise ApiError(400, f"There is no such action: {name}")
        return action(req, server, argument)

    def _start(self, req: ApiRequest, server: Server, _: Any) -> ApiResponse:
        self._parts.compute.start(server, self._parts.caller(req), req.now)
        return empty(202)

    def _stop(self, req: ApiRequest, server: Server, _: Any) -> ApiResponse:
        self._parts.compute.stop(server, self._parts.caller(req), req.now)
        return empty(202)

    def _reboot(self, req: ApiRequest, server: Server, argument: Any) -> ApiResponse:
        if not isinstance(argument, dict):
            raise schema.json_type_error("reboot", argument, "object")
        kind = schema.required("reboot", argument, "type")
        if kind not in _REBOOT_TYPES:
            raise nova_validation("type", kind, f"{kind!r} is not one of {_REBOOT_TYPES}")
        self._parts.compute.reboot(server, kind.upper() == "HARD", self._parts.caller(req), req.now)
        return empty(202)

    def _resize(self, req: ApiRequest, server: Server, argument: Any) -> ApiResponse:
        if not isinstance(argument, dict):
            raise schema.json_type_error("resize", argument, "object")
        flavor_id = (
            str(schema.required("resize", argument, "flavorRef")).rstrip("/").rsplit("/", 1)[-1]
        )
        self._parts.compute.resize(server, flavor_id, self._parts.caller(req), req.now)
        return empty(202)

    def _confirm_resize(self, req: ApiRequest, server: Server, _: Any) -> ApiResponse:
        self._parts.compute.confirm_resize(server, self._parts.caller(req), req.now)
        return empty(204)

    def _create_image(self, req: ApiRequest, server: Server, argument: Any) -> ApiResponse:
        if not isinstance(argument, dict):
            raise schema.json_type_error("createImage", argument, "object")
        schema.no_extra_keys("createImage", argument, {"name", "metadata"})
        name = schema.name("name", schema.required("createImage", argument, "name"))
        metadata = schema.metadata("metadata", argument.get("metadata", {}))
        parts = self._parts
        token = req.auth
        base = parts.images.images[server.image_id]
        project = next(p for p in parts.config.projects if p.id == server.project_id)
        source = SnapshotSource(
            server_id=server.id,
            base_image=base,
            user_id=token.user.id,
            user_name=token.user.name,
            project_id=server.project_id,
            project_name=project.name,
            roles=token.roles,
            min_disk=server.flavor.disk,
        )
        image = parts.compute.snapshot(
            server,
            name=name,
            metadata=metadata,
            source=source,
            caller=parts.caller(req),
            now=req.now,
        )
        if req.at_least(2, 45):
            return ok({"image_id": image.id}, status=202)
        return empty(202, headers={"Location": f"{req.origin}/image/images/{image.id}"})

    def _group_name(self, action: str, argument: Any) -> str:
        if not isinstance(argument, dict):
            raise schema.json_type_error(action, argument, "object")
        return schema.string("name", schema.required(action, argument, "name"), min_length=1)

    def _add_group(self, req: ApiRequest, server: Server, argument: Any) -> ApiResponse:
        name = self._group_name("addSecurityGroup", argument)
        group_id, ports = self._group_and_ports(req, server, name)
        for port in ports:
            if group_id not in port.security_groups:
                port.security_groups.append(group_id)
                port.updated = req.now
        return empty(202)

    def _remove_group(self, req: ApiRequest, server: Server, argument: Any) -> ApiResponse:
        name = self._group_name("removeSecurityGroup", argument)
        group_id, ports = self._group_and_ports(req, server, name)
        holding = [p for p in ports if group_id in p.security_groups]
        if not holding:
            raise ApiError(
                404, f"Security group {name} not associated with the instance {server.id}"
            )
        for port in holding:
            port.security_groups.remove(group_id)
            port.updated = req.now
        return empty(202)

    def _group_and_ports(self, req: ApiRequest, server: Server, name: str) -> tuple[str, list[Any]]:
        network = self._parts.network
        project_id = req.auth.project_id
        group = network.find_security_group(name, project_id)
        if group is None:
            raise ApiError(404, f"Security group {name} is not found for project {project_id}")
        ports = [network.ports[p] for p in server.ports if p in network.ports]
        if not ports:
            raise ApiError(
                404, f"instance_id {server.id} could not be found as device id on any ports"
            )
        return group.id, ports
