"""``/servers``: create, list, show, update, delete.

Create is where the create-related faults act: after validation and quota, so a bad request
still gets its 400; "after commit" failures make the server and then lose the answer, which
is the case an idempotent client has to recover from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from instance_operator.simulator.compute import schema
from instance_operator.simulator.compute.create import CreateParser
from instance_operator.simulator.compute.listing import ServerLister
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.compute.server_groups import ServerGroup
from instance_operator.simulator.compute.views import Links
from instance_operator.simulator.config import FlavorSeed
from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.faults import CreateFailure
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, empty, ok
from instance_operator.simulator.http.routing import Router

_UNEXPECTED = (
    "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the "
    "Nova API log if possible.\n<class 'nova.exception.NovaException'>"
)


def injected_create_error(failure: CreateFailure, retry_after: dict[str, str]) -> ApiError:
    messages = {
        403: "Quota exceeded for instances: Requested 1, but already used 0 of 0 instances",
        409: "Conflict: the simulator refused this create (injected fault).",
        413: "This request was rate-limited.",
        429: "This request was rate-limited.",
        500: _UNEXPECTED,
        503: "Service Unavailable: the simulator refused this create (injected fault).",
    }
    headers = retry_after if failure.status in (413, 429) else {}
    return ApiError(failure.status, messages[failure.status], headers=headers)


class ServersApi:
    def __init__(self, parts: ComputeParts) -> None:
        self._parts = parts
        self._parser = CreateParser(
            parts.config, parts.network, parts.images, parts.keypairs, parts.compute.groups
        )
        self._lister = ServerLister(parts.compute, parts.view, parts.glitches)

    def register(self, router: Router) -> None:
        router.add_compute("GET", "/servers", self.index)
        router.add_compute("GET", "/servers/detail", self.detail)
        router.add_compute("POST", "/servers", self.create)
        router.add_compute("GET", "/servers/{server_id}", self.show)
        router.add_compute("PUT", "/servers/{server_id}", self.update)
        router.add_compute("DELETE", "/servers/{server_id}", self.delete)

    def index(self, req: ApiRequest) -> ApiResponse:
        return self._lister.list(req, detail=False)

    def detail(self, req: ApiRequest) -> ApiResponse:
        return self._lister.list(req, detail=True)

    def _how_many(self, project_id: str, flavor: FlavorSeed, least: int, most: int) -> int:
        """How many of ``most`` servers fit the quota; 403 if not even ``least`` fit."""
        quota = self._parts.config.quota
        used = self._parts.compute.usage(project_id)
        room = most
        for limit, in_use, each in zip(
            (quota.instances, quota.cores, quota.ram),
            used,
            (1, flavor.vcpus, flavor.ram),
            strict=True,
        ):
            if limit >= 0 and each > 0:
                room = min(room, max(0, (limit - in_use) // each))
        if room < least:
            self._parts.compute.check_quota(
                project_id, least, least * flavor.vcpus, least * flavor.ram
            )
        return room

    def _check_members_quota(self, group: ServerGroup, user_id: str, count: int) -> None:
        """Nova's ``server_group_members`` quota: the user's live servers in the group."""
        limit = self._parts.config.quota.server_group_members
        servers = self._parts.compute.servers
        mine = sum(1 for m in group.members if servers[m].user_id == user_id)
        if 0 <= limit < mine + count:
            raise ApiError(403, "Quota exceeded, too many servers in group")

    def create(self, req: ApiRequest) -> ApiResponse:
        parts = self._parts
        parsed = self._parser.parse(req)
        plan = parsed.plan
        caller = parts.caller(req)
        count = self._how_many(caller.project_id, plan.flavor, parsed.min_count, parsed.max_count)
        if plan.server_group is not None:
            self._check_members_quota(plan.server_group, caller.user_id, count)
        failure = parts.faults.take_create_failure()
        retry_after = parts.faults.get().retry_after_header()
        if failure is not None and not failure.after_commit:
            raise injected_create_error(failure, retry_after)
        servers = []
        for index in range(count):
            named = plan if count == 1 else replace(plan, name=f"{plan.name}-{index + 1}")
            build_error = parts.faults.take_build_error()
            servers.append(parts.compute.create(named, caller, req.now, build_error))
        for server in servers[1:]:
            server.reservation_id = servers[0].reservation_id
        if failure is not None:
            raise injected_create_error(failure, retry_after)
        first = servers[0]
        if parsed.return_reservation_id:
            return ok({"reservation_id": first.reservation_id}, status=202)
        links = Links.of(req)
        body = {
            "server": {
                "id": first.id,
                "links": links.pair("servers", first.id),
                "OS-DCF:diskConfig": "MANUAL",
                "security_groups": [{"name": n} for n in plan.group_names],
                "adminPass": first.admin_pass,
            }
        }
        return ok(body, status=202, headers={"Location": f"{links.api}/servers/{first.id}"})

    def show(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        return ok({"server": self._parts.view.detail(server, req, Links.of(req), single=True)})

    def update(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        changes = schema.mapping(req.body, "server")
        allowed = {"name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"}
        if req.at_least(2, 19):
            allowed.add("description")
        if req.at_least(2, 90):
            allowed.add("hostname")
        schema.no_extra_keys("server", changes, allowed)
        if "name" in changes:
            server.name = schema.name("name", changes["name"])
        if "description" in changes:
            value: Any = changes["description"]
            server.description = None if value is None else schema.string("description", value)
        if "hostname" in changes:
            server.hostname = schema.string(
                "hostname", changes["hostname"], min_length=1, max_length=63
            )
        for key, attribute in (("accessIPv4", "access_ipv4"), ("accessIPv6", "access_ipv6")):
            if key in changes:
                setattr(server, attribute, str(changes[key] or ""))
        server.updated = req.now
        view = self._parts.view.detail(
            server, req, Links.of(req), single=True, full=req.at_least(2, 75)
        )
        return ok({"server": view})

    def delete(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        self._parts.compute.delete(server, self._parts.caller(req), req.now)
        return empty(204)
