"""What the end-to-end tests share: fast cloud timings, the examples as Instances, Nova's view."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

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


#: One scrape of the operator's metrics: (name, sorted labels) -> value.
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scrape(port: int) -> Samples:
    """The operator's metrics now, from its ``--metrics-port``."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sum_of(name: str, scraped: Samples, **labels: str) -> float:
    """The sum of ``name``'s samples that have these labels."""
    return sum(
        v for (n, ls), v in scraped.items() if n == name and labels.items() <= dict(ls).items()
    )


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
