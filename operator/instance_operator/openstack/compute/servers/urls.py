"""Routes of the server API, one line each (gophercloud's urls.go)."""

from __future__ import annotations

from instance_operator.openstack.routes import Route


def servers() -> Route:
    return Route("servers", "servers")


def detail() -> Route:
    return Route("servers/detail", "servers/detail")


def server(server_id: str) -> Route:
    return Route.of("servers/{server_id}", server_id=server_id)


def action(server_id: str) -> Route:
    return Route.of("servers/{server_id}/action", server_id=server_id)


def metadata(server_id: str) -> Route:
    return Route.of("servers/{server_id}/metadata", server_id=server_id)


def metadata_item(server_id: str, key: str) -> Route:
    return Route.of("servers/{server_id}/metadata/{key}", server_id=server_id, key=key)


def tags(server_id: str) -> Route:
    return Route.of("servers/{server_id}/tags", server_id=server_id)


def tag(server_id: str, tag: str) -> Route:
    return Route.of("servers/{server_id}/tags/{tag}", server_id=server_id, tag=tag)


def security_groups(server_id: str) -> Route:
    return Route.of("servers/{server_id}/os-security-groups", server_id=server_id)
