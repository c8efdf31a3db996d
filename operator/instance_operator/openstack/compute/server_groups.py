"""Nova server groups: list, get, find by name, create, delete.

A group's policy is one string from 2.64 (``policy``, with ``rules``); before, a one-element
``policies`` list (with an always-empty ``metadata``). ``ServerGroup.effective_policy`` reads
either. Servers join a group at boot, through ``CreateOpts.scheduler_hints={"group": id}``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from instance_operator.openstack.lookup import exactly_one
from instance_operator.openstack.microversion import Microversion
from instance_operator.openstack.resource import Accepted, Resource
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient, accepted

#: From here a group has one ``policy`` string; before, a one-element ``policies`` list.
POLICY_STRING = Microversion(2, 64)


class ServerGroup(Resource):
    id: str
    name: str
    #: ``affinity``, ``anti-affinity``, ``soft-affinity`` or ``soft-anti-affinity`` (2.64+).
    policy: str | None = None
    #: ``{"max_server_per_host": n}`` for an anti-affinity group, else empty (2.64+).
    rules: dict[str, int] | None = None
    #: The one policy, as a list (before 2.64).
    policies: list[str] | None = None
    #: IDs of the servers in the group that are not deleted.
    members: list[str] = Field(default_factory=list)
    #: The owning project and user (2.13+).
    project_id: str | None = None
    user_id: str | None = None

    @property
    def effective_policy(self) -> str | None:
        """The policy whichever microversion answered."""
        if self.policy is not None:
            return self.policy
        return self.policies[0] if self.policies else None


def _groups() -> Route:
    return Route("os-server-groups", "os-server-groups")


def _group(group_id: str) -> Route:
    return Route.of("os-server-groups/{group_id}", group_id=group_id)


def list_server_groups(
    client: ServiceClient, *, all_projects: bool = False
) -> Iterator[ServerGroup]:
    """The project's groups (every project's with ``all_projects``, if the caller is an admin).

    One request: Nova pages this list by offset, not marker, and a project holds at most its
    ``server_groups`` quota (10 by default), well under the 1,000 one answer may carry.
    """
    params = [("all_projects", "True")] if all_projects else None
    response = client.get(_groups(), params=params)
    for body in response.object("server_groups"):
        yield ServerGroup.parse(body, response.request_id)


def get(client: ServiceClient, group_id: str) -> ServerGroup:
    response = client.get(_group(group_id))
    return ServerGroup.parse(response.object("server_group"), response.request_id)


def find(client: ServiceClient, name: str) -> ServerGroup:
    """The one group of the project named ``name``; ``NoMatch``/``MultipleMatches`` otherwise."""
    matches = (g for g in list_server_groups(client) if g.name == name)
    return exactly_one("server group", name, matches, lambda g: g.id)


def create(client: ServiceClient, name: str, policy: str) -> ServerGroup:
    """A new group of the project. Nova does not refuse a second group of the same name: look
    for one first. The policy goes in whichever shape the microversion reads."""
    modern = client.microversion is not None and client.microversion >= POLICY_STRING
    shape = {"policy": policy} if modern else {"policies": [policy]}
    response = client.post(_groups(), {"server_group": {"name": name, **shape}}, ok=(200,))
    return ServerGroup.parse(response.object("server_group"), response.request_id)


def delete(client: ServiceClient, group_id: str) -> Accepted:
    """Delete a group; its members, if any, stay as they are (without the group)."""
    return accepted(client.delete(_group(group_id)))
