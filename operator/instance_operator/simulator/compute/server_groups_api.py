"""``/os-server-groups``: list, show, create and delete, in each microversion's shape.

Nova changed the group's body twice: 2.13 added ``project_id`` and ``user_id``; 2.64 replaced
the one-element ``policies`` list (and an always-empty ``metadata``) with ``policy`` and
``rules``. Soft policies exist from 2.15. Create bodies fail with jsonschema's words for the
schema of the request's microversion; rules other than on an anti-affinity group, and the
``server_groups`` quota, are checked after the schema, as Nova does.
"""

from __future__ import annotations

from typing import Any

from instance_operator.simulator.compute import schema
from instance_operator.simulator.compute.paging import page_limit
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.compute.server_groups import (
    ALL_POLICIES,
    ANTI_AFFINITY,
    HARD_POLICIES,
    ServerGroup,
)
from instance_operator.simulator.errors import ApiError, nova_validation
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, empty, ok
from instance_operator.simulator.http.routing import Router

_RULES = "max_server_per_host"
_QUERY = frozenset({"all_projects", "limit", "offset"})


def _view(group: ServerGroup, req: ApiRequest) -> dict[str, Any]:
    view: dict[str, Any] = {"id": group.id, "name": group.name}
    if req.at_least(2, 64):
        view["policy"] = group.policy
        view["rules"] = dict(group.rules)
    else:
        view["policies"] = [group.policy]
        view["metadata"] = {}
    view["members"] = list(group.members)
    if req.at_least(2, 13):
        view["project_id"] = group.project_id
        view["user_id"] = group.user_id
    return view


def _policy(value: Any, allowed: tuple[str, ...], path: str) -> str:
    policy = schema.string(path, value)
    if policy not in allowed:
        raise nova_validation(path, value, f"{value!r} is not one of {list(allowed)!r}")
    return policy


def _policies(value: Any, allowed: tuple[str, ...]) -> str:
    """Before 2.64: a list of exactly one policy."""
    if not isinstance(value, list):
        raise schema.json_type_error("policies", value, "array")
    if value:
        _policy(value[0], allowed, "0")
    if len(value) != len({repr(v) for v in value}):
        raise nova_validation("policies", value, f"{value!r} has non-unique elements")
    if not value:
        raise nova_validation("policies", value, "[] should be non-empty")
    if len(value) > 1:
        raise nova_validation("policies", value, f"{value!r} is too long")
    return str(value[0])


def _max_per_host(value: Any) -> int:
    """Nova's ``positive_integer``: an integer, or a string of digits, of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise nova_validation(_RULES, value, f"{value!r} is not of type 'integer', 'string'")
    if isinstance(value, str):
        if not value.isdigit() and value:
            raise nova_validation(_RULES, value, f"{value!r} does not match '^[0-9]*$'")
        if not value:
            raise nova_validation(_RULES, value, "'' should be non-empty")
    number = int(value)
    if number < 1:
        raise nova_validation(_RULES, value, f"{value!r} is less than the minimum of 1")
    return number


def _rules(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise schema.json_type_error("rules", value, "object")
    rules = {_RULES: _max_per_host(value[_RULES])} if _RULES in value else {}
    schema.no_extra_keys("rules", value, {_RULES})
    return rules


def parse_create(req: ApiRequest) -> tuple[str, str, dict[str, int]]:
    """Name, policy and rules of a create body, checked in the order jsonschema checks them."""
    body = schema.mapping(req.body, "server_group")
    if "name" in body:
        schema.name("name", body["name"])
    modern = req.at_least(2, 64)
    allowed = ALL_POLICIES if req.at_least(2, 15) else HARD_POLICIES
    policy = rules = None
    if modern:
        if "policy" in body:
            policy = _policy(body["policy"], allowed, "policy")
        if "rules" in body:
            rules = _rules(body["rules"])
    elif "policies" in body:
        policy = _policies(body["policies"], allowed)
    for key in ("name", "policy" if modern else "policies"):
        schema.required("server_group", body, key)
    schema.no_extra_keys(
        "server_group", body, {"name", "policy", "rules"} if modern else {"name", "policies"}
    )
    schema.no_extra_keys(None, req.body, {"server_group"})
    assert policy is not None
    return str(body["name"]), policy, rules or {}


def _offset(req: ApiRequest) -> int:
    raw = req.query.get("offset", "0")
    if not raw.isdigit():
        raise ApiError(
            400,
            f"Invalid input for query parameters offset. Value: {raw}. "
            f"'{raw}' does not match '^[0-9]*$'",
        )
    return int(raw)


class ServerGroupsApi:
    def __init__(self, parts: ComputeParts) -> None:
        self._parts = parts
        self._groups = parts.compute.groups

    def register(self, router: Router) -> None:
        router.add_compute("GET", "/os-server-groups", self.index)
        router.add_compute("POST", "/os-server-groups", self.create)
        router.add_compute("GET", "/os-server-groups/{group_id}", self.show)
        router.add_compute("DELETE", "/os-server-groups/{group_id}", self.delete)

    def _group(self, req: ApiRequest) -> ServerGroup:
        token = req.auth
        return self._groups.find(req.params["group_id"], token.project_id, token.is_admin)

    def index(self, req: ApiRequest) -> ApiResponse:
        """The caller's project's groups; ``all_projects`` (any value) widens it for admins."""
        if req.at_least(2, 75):
            unknown = sorted(k for k in req.query if k not in _QUERY)
            if unknown:
                listed = ", ".join(repr(k) for k in unknown)
                verb = "was" if len(unknown) == 1 else "were"
                raise ApiError(
                    400, f"Additional properties are not allowed ({listed} {verb} unexpected)"
                )
        token = req.auth
        every = "all_projects" in req.query and token.is_admin
        offset, limit = _offset(req), page_limit(req)
        groups = self._groups.listed(token.project_id, every)[offset : offset + limit]
        return ok({"server_groups": [_view(g, req) for g in groups]})

    def show(self, req: ApiRequest) -> ApiResponse:
        return ok({"server_group": _view(self._group(req), req)})

    def create(self, req: ApiRequest) -> ApiResponse:
        name, policy, rules = parse_create(req)
        token = req.auth
        limit = self._parts.config.quota.server_groups
        if 0 <= limit <= self._groups.count(token.project_id):
            raise ApiError(403, "Quota exceeded, too many server groups.")
        if rules and policy != ANTI_AFFINITY:
            raise ApiError(400, "Only anti-affinity policy supports rules.")
        group = self._groups.add(name, policy, rules, token.project_id, token.user.id)
        return ok({"server_group": _view(group, req)})

    def delete(self, req: ApiRequest) -> ApiResponse:
        self._groups.remove(self._group(req))
        return empty(204)
