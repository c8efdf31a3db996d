"""Which compute host a server lands on: Nova's filter scheduler, reduced to what shows.

Without a group, servers spread: the host with the least RAM handed out wins (Nova's default
RAM weigher), ties going to the host listed first. A group's policy filters or weighs first:

- ``anti-affinity``: only hosts with fewer than ``max_server_per_host`` (default 1) members;
- ``affinity``: only the hosts the members already run on (any host for the first member);
- ``soft-anti-affinity`` / ``soft-affinity``: every host, the fewest / most members first.

Members count while they have a host and are not deleted, so a member that failed to schedule
binds nobody. Usage is kept per host as servers come and go, so placing a server does not walk
every server of a large cloud.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from instance_operator.simulator.compute.model import Server
from instance_operator.simulator.compute.server_groups import (
    AFFINITY,
    ANTI_AFFINITY,
    SOFT_AFFINITY,
    SOFT_ANTI_AFFINITY,
    ServerGroup,
)

#: The fault message of a server no host could take, as Nova's scheduler words it.
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


class Scheduler:
    def __init__(self, hosts: list[str]) -> None:
        self._hosts = list(hosts)
        self._ram = dict.fromkeys(self._hosts, 0)
        #: Server ID -> (host, MiB) it holds, so a release gives back exactly what was taken.
        self._claims: dict[str, tuple[str, int]] = {}

    def clear(self) -> None:
        self._ram = dict.fromkeys(self._hosts, 0)
        self._claims.clear()

    def pick(
        self, server: Server, group: ServerGroup | None, servers: Mapping[str, Server]
    ) -> str | None:
        """The host for ``server``, or ``None`` when its group's policy leaves none."""
        members: Counter[str] = Counter()
        if group is not None:
            for member_id in group.members:
                member = servers.get(member_id)
                if (
                    member is not None
                    and member is not server
                    and member.host
                    and not member.deleted
                ):
                    members[member.host] += 1
        policy = group.policy if group is not None else None
        candidates = list(self._hosts)
        if policy == ANTI_AFFINITY:
            assert group is not None
            candidates = [h for h in candidates if members[h] < group.max_per_host]
        elif policy == AFFINITY and members:
            candidates = [h for h in candidates if members[h]]
        if not candidates:
            return None
        order = {host: index for index, host in enumerate(self._hosts)}

        def preference(host: str) -> tuple[int, int, int]:
            grouped = {SOFT_ANTI_AFFINITY: members[host], SOFT_AFFINITY: -members[host]}
            return grouped.get(policy or "", 0), self._ram[host], order[host]

        return min(candidates, key=preference)

    def claim(self, server: Server, host: str) -> None:
        self.release(server)
        self._claims[server.id] = (host, server.flavor.ram)
        self._ram[host] += server.flavor.ram

    def release(self, server: Server) -> None:
        held = self._claims.pop(server.id, None)
        if held is not None:
            self._ram[held[0]] -= held[1]
