"""Neutron security groups: get, list, find by name.

Every project has a group called ``default``, and an administrator sees them all; ``find``
therefore takes the project to look in (normally the token's, ``Cloud.project_id``), which is
also where Nova resolves the names given at server create.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from instance_operator.openstack.lookup import exactly_one
from instance_operator.openstack.pagination import paginate
from instance_operator.openstack.resource import Resource
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient


class SecurityGroupRule(Resource):
    id: str
    #: ``ingress`` or ``egress``.
    direction: str
    #: ``IPv4`` or ``IPv6``.
    ethertype: str | None = None
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None


class SecurityGroup(Resource):
    id: str
    name: str
    description: str | None = None
    project_id: str | None = None
    rules: list[SecurityGroupRule] = Field(default_factory=list, alias="security_group_rules")
    tags: list[str] = Field(default_factory=list)


def get(client: ServiceClient, group_id: str) -> SecurityGroup:
    response = client.get(Route.of("security-groups/{group_id}", group_id=group_id))
    return SecurityGroup.parse(response.object("security_group"), response.request_id)


def list_security_groups(
    client: ServiceClient, *, name: str | None = None, project_id: str | None = None
) -> Iterator[SecurityGroup]:
    params = [(k, v) for k, v in (("name", name), ("project_id", project_id)) if v is not None]
    return paginate(
        client,
        Route("security-groups", "security-groups"),
        key="security_groups",
        model=SecurityGroup,
        params=params,
    )


def find(client: ServiceClient, name: str, *, project_id: str | None) -> SecurityGroup:
    """The one group named ``name`` in ``project_id`` (``None``: wherever visible)."""
    groups = list_security_groups(client, name=name, project_id=project_id)
    return exactly_one("security group", name, groups, lambda g: g.id)
