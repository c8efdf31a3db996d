"""What Nova did, as evidence for "exactly once": each server's instance-action log.

The simulator's request counters count attempts (a request cut off mid-body is counted with status
0, and Nova never acted on it); the action log counts what Nova carried out, per server, so one
duplicate and one missing action cannot cancel out in a total.
"""

from __future__ import annotations

from dataclasses import dataclass

from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.compute import instance_actions
from instance_operator.openstack.config import load_clouds_yaml
from instance_operator.sandbox import CLOUD_NAME, Box


@dataclass(frozen=True)
class Logged:
    action: str
    request_id: str
    start_time: str

    def __str__(self) -> str:
        return f"{self.action} {self.request_id} at {self.start_time}"


class NovaLog:
    """Reads action logs as the sandbox's user (``openstack server event list``)."""

    def __init__(self, box: Box) -> None:
        self._cloud: Cloud = connect(load_clouds_yaml(box.clouds_yaml, CLOUD_NAME))

    def of(self, server_id: str) -> list[Logged]:
        """The server's actions, oldest first."""
        found = instance_actions.list_actions(self._cloud.compute, server_id)
        return [
            Logged(a.action, a.action_request_id, a.start_time.isoformat())
            for a in reversed(list(found))
        ]

    def per_instance(self, server_ids: dict[str, str]) -> dict[str, list[Logged]]:
        """Each Instance's server's log, by Instance name."""
        return {name: self.of(server_id) for name, server_id in sorted(server_ids.items())}


def count(log: list[Logged], action: str) -> int:
    return sum(1 for entry in log if entry.action == action)


def wrong_counts(logs: dict[str, list[Logged]], action: str, expected: int) -> dict[str, int]:
    """The Instances whose server does not show ``action`` exactly ``expected`` times."""
    return {name: n for name, log in logs.items() if (n := count(log, action)) != expected}


def evidence(seed: int | None, logs: dict[str, list[Logged]]) -> str:
    """The seed and every server's action log, for an assertion message."""
    lines = [f"seed: {seed}"] if seed is not None else []
    for name, log in logs.items():
        lines.append(f"  {name}: " + "; ".join(str(entry) for entry in log))
    return "\n".join(lines)
