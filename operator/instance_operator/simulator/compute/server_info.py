"""Read-only views of a server's history and wiring: instance actions, IPs, security groups.

Instance actions carry the request ID of the call that caused them, the same value the
caller got in ``x-openstack-request-id``; a client that crashed mid-call can look there to
learn whether its request reached Nova.
"""

from __future__ import annotations

from typing import Any

from instance_operator.simulator.compute.model import ActionEvent, InstanceAction, Server
from instance_operator.simulator.compute.paging import next_links, page_limit
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.compute.views import Links, host_id
from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, ok
from instance_operator.simulator.http.routing import Router
from instance_operator.simulator.timefmt import isotime_micro, parse_isotime


def _time(stamp: float | None) -> str | None:
    return isotime_micro(stamp) if stamp is not None else None


class ServerInfoApi:
    def __init__(self, parts: ComputeParts) -> None:
        self._parts = parts

    def register(self, router: Router) -> None:
        add = router.add_compute
        add("GET", "/servers/{server_id}/os-instance-actions", self.actions_index)
        add("GET", "/servers/{server_id}/os-instance-actions/{request_id}", self.action_show)
        add("GET", "/servers/{server_id}/ips", self.ips_index)
        add("GET", "/servers/{server_id}/ips/{network}", self.ips_show)
        add("GET", "/servers/{server_id}/os-security-groups", self.security_groups)

    # ---- instance actions ---------------------------------------------------------------

    def _history_of(self, req: ApiRequest) -> Server:
        """From 2.21 the actions of deleted servers can be read too."""
        token = req.auth
        server_id = req.params["server_id"]
        if req.at_least(2, 21):
            server = self._parts.compute.servers.get(server_id)
            if server is not None and (token.is_admin or server.project_id == token.project_id):
                return server
            raise ApiError(404, f"Instance {server_id} could not be found.")
        return self._parts.server(req)

    def _action(self, server: Server, record: InstanceAction, req: ApiRequest) -> dict[str, Any]:
        view: dict[str, Any] = {
            "action": record.action,
            "instance_uuid": server.id,
            "message": record.message,
            "project_id": record.project_id,
            "request_id": record.request_id,
            "start_time": isotime_micro(record.start),
            "user_id": record.user_id,
        }
        if req.at_least(2, 58):
            view["updated_at"] = isotime_micro(record.updated_at())
        return view

    def _event(self, event: ActionEvent, server: Server, req: ApiRequest) -> dict[str, Any]:
        admin = req.auth.is_admin
        view: dict[str, Any] = {
            "event": event.event,
            "start_time": isotime_micro(event.start),
            "finish_time": _time(event.finish),
            "result": event.result,
        }
        if admin:
            view["traceback"] = None
        if req.at_least(2, 62):
            if admin:
                view["host"] = event.host
            view["hostId"] = host_id(server.project_id, event.host)
        if admin and req.at_least(2, 84):
            view["details"] = None
        return view

    def actions_index(self, req: ApiRequest) -> ApiResponse:
        server = self._history_of(req)
        records = sorted(server.actions, key=lambda a: a.start, reverse=True)
        body: dict[str, Any] = {}
        if req.at_least(2, 58):
            records = self._filtered(req, records)
            limit = page_limit(req)
            records = records[:limit]
            url = f"{Links.of(req).api}/servers/{server.id}/os-instance-actions"
            last = records[-1].request_id if records else None
            links = next_links(req, url, records, last, limit)
            if links:
                body["links"] = links
        return ok({"instanceActions": [self._action(server, r, req) for r in records], **body})

    def _filtered(self, req: ApiRequest, records: list[InstanceAction]) -> list[InstanceAction]:
        for key, since in (("changes-since", (2, 58)), ("changes-before", (2, 66))):
            raw = req.query.get(key)
            if raw is None or not req.at_least(*since):
                continue
            try:
                edge = parse_isotime(raw)
            except ValueError:
                raise ApiError(
                    400,
                    f"Invalid input for query parameters {key}. Value: {raw}. '{raw}' is not a 'date-time'",
                ) from None
            if key == "changes-since":
                records = [r for r in records if r.updated_at() >= edge]
            else:
                records = [r for r in records if r.updated_at() <= edge]
        marker = req.query.get("marker")
        if marker is not None:
            ids = [r.request_id for r in records]
            if marker not in ids:
                raise ApiError(400, f"Marker {marker} could not be found.")
            records = records[ids.index(marker) + 1 :]
        return records

    def action_show(self, req: ApiRequest) -> ApiResponse:
        server = self._history_of(req)
        request_id = req.params["request_id"]
        record = next((a for a in server.actions if a.request_id == request_id), None)
        if record is None:
            raise ApiError(404, f"Action {request_id} not found")
        view = self._action(server, record, req)
        if req.auth.is_admin or req.at_least(2, 51):
            view["events"] = [self._event(e, server, req) for e in record.events]
        return ok({"instanceAction": view})

    # ---- addresses and security groups --------------------------------------------------

    def ips_index(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        return ok({"addresses": self._parts.view.addresses(server, extended=False)})

    def ips_show(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        network = req.params["network"]
        addresses = self._parts.view.addresses(server, extended=False)
        if network not in addresses:
            raise ApiError(404, "Instance is not a member of specified network")
        return ok({network: addresses[network]})

    def security_groups(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        network = self._parts.network
        groups = [network.security_groups[g] for g in self._parts.view.group_ids(server)]
        names = {
            g.id: {"name": g.name, "tenant_id": g.project_id}
            for g in network.security_groups.values()
        }
        views = [
            {
                "description": g.description,
                "id": g.id,
                "name": g.name,
                "rules": [
                    {
                        "from_port": None,
                        "group": names.get(r.remote_group_id, {}) if r.remote_group_id else {},
                        "id": r.id,
                        "ip_protocol": None,
                        "ip_range": {},
                        "parent_group_id": g.id,
                        "to_port": None,
                    }
                    for r in g.rules
                    if r.direction == "ingress"
                ],
                "tenant_id": g.project_id,
            }
            for g in groups
        ]
        return ok({"security_groups": sorted(views, key=lambda v: (v["tenant_id"], v["name"]))})
