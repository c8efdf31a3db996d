"""Nova server groups: who belongs together (or apart), and the quota they count against.

A group holds the IDs of its servers in the order they joined. A server joins when its create
is accepted, before it is scheduled, and leaves when it is deleted; a group's deletion leaves its
servers where they are, as in Nova, and only forgets the membership.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.errors import ApiError

AFFINITY = "affinity"
ANTI_AFFINITY = "anti-affinity"
SOFT_AFFINITY = "soft-affinity"
SOFT_ANTI_AFFINITY = "soft-anti-affinity"
#: The policies of 2.1 to 2.14; 2.15 added the soft ones (Nova's enum order).
HARD_POLICIES = (ANTI_AFFINITY, AFFINITY)
ALL_POLICIES = (*HARD_POLICIES, SOFT_ANTI_AFFINITY, SOFT_AFFINITY)


@dataclass(eq=False)
class ServerGroup:
    id: str
    name: str
    policy: str
    #: ``{"max_server_per_host": n}`` or empty; only anti-affinity groups have rules.
    rules: dict[str, int]
    project_id: str
    user_id: str
    #: Server IDs, in joining order.
    members: list[str] = field(default_factory=list)

    @property
    def max_per_host(self) -> int:
        return self.rules.get("max_server_per_host", 1)


def not_found(group_id: str) -> ApiError:
    return ApiError(404, f"Instance group {group_id} could not be found.")


class ServerGroups:
    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        #: By ID, in creation order (the order Nova lists them in).
        self.groups: dict[str, ServerGroup] = {}
        self._of_server: dict[str, ServerGroup] = {}
        self.clear()

    def clear(self) -> None:
        """Back to the seeded groups, without members."""
        self.groups.clear()
        self._of_server.clear()
        for seed in self._config.server_groups:
            project = self._config.project(seed.project).id
            user = self._config.user(seed.user).id
            self.groups[seed.id] = ServerGroup(seed.id, seed.name, seed.policy, {}, project, user)

    def add(
        self, name: str, policy: str, rules: dict[str, int], project_id: str, user_id: str
    ) -> ServerGroup:
        group = ServerGroup(str(uuid.uuid4()), name, policy, dict(rules), project_id, user_id)
        self.groups[group.id] = group
        return group

    def find(self, group_id: str, project_id: str, is_admin: bool) -> ServerGroup:
        """The group as the caller may see it: an admin sees every project's, others their own."""
        group = self.groups.get(group_id)
        if group is None or not (is_admin or group.project_id == project_id):
            raise not_found(group_id)
        return group

    def listed(self, project_id: str, every_project: bool) -> list[ServerGroup]:
        return [g for g in self.groups.values() if every_project or g.project_id == project_id]

    def count(self, project_id: str) -> int:
        return sum(1 for g in self.groups.values() if g.project_id == project_id)

    def remove(self, group: ServerGroup) -> None:
        del self.groups[group.id]
        for member in group.members:
            self._of_server.pop(member, None)

    def join(self, group: ServerGroup, server_id: str) -> None:
        group.members.append(server_id)
        self._of_server[server_id] = group

    def leave(self, server_id: str) -> None:
        group = self._of_server.pop(server_id, None)
        if group is not None:
            group.members.remove(server_id)

    def of_server(self, server_id: str) -> ServerGroup | None:
        """The group the server belongs to, if it still exists."""
        return self._of_server.get(server_id)
