"""What the end-to-end tests share: fast cloud timings, the examples as Instances, Nova's view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.compute import instance_actions
from instance_operator.openstack.config import load_clouds_yaml
from instance_operator.sandbox import CLOUD_NAME, MINIMAL, Box, example

#: Every cloud step takes a few hundred milliseconds: long enough to be seen mid-way.

#: The simulator's counter key for every server action (start, stop, reboot, createImage...).
ACTION_PATH = "/v2.1/servers/{server_id}/action"
CREATE_PATH = "/v2.1/servers"


def web(name: str = "web-1", **spec: Any) -> dict[str, Any]:
    """examples/instance-minimal.yaml under another name, on the network ``private``."""
    instance = example(MINIMAL)
    instance["metadata"]["name"] = name
    instance["spec"]["networks"] = [{"name": "private"}]
    instance["spec"].update(spec)
    return instance


def connect_as_user(box: Box) -> Cloud:
    return connect(load_clouds_yaml(box.clouds_yaml, CLOUD_NAME))


def nova_actions(cloud: Cloud, server_id: str) -> list[str]:
    """The server's action log, oldest first (``openstack server event list``)."""
    found = list(instance_actions.list_actions(cloud.compute, server_id))
    return [a.action for a in reversed(found)]  # Nova lists newest first


def action_calls(box: Box) -> int:
    assert box.sim is not None
    return box.sim.counters.count(method="POST", path=ACTION_PATH)


def children_of(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (2nd field) is in parentheses and may hold spaces.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
