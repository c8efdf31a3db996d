"""``kubectl get instances`` as the embedded API server renders it (a ``meta.k8s.io/v1`` Table):
why an Instance is not Ready shows by default, the long columns only with ``-o wide``, and the
default view of typical Instances fits 120 columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from instance_operator.api import names
from instance_operator.controller.status.reasons import Reason
from tests.support.cluster import Cluster, example, running_cluster

ACCEPT = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
#: kubectl's tabwriter puts three spaces between columns.
GAP = 3
LONGEST_REASON = max((r.value for r in Reason), key=len)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as running:
        yield running


def _instance(cluster: Cluster, name: str, status: dict[str, Any]) -> None:
    body = example("instance-minimal.yaml")
    body["metadata"]["name"] = name
    cluster.create(body)
    cluster.custom.patch_namespaced_custom_object_status(
        names.GROUP, names.VERSION, cluster.namespace, names.PLURAL, name, {"status": status}
    )


def _table(cluster: Cluster) -> dict[str, Any]:
    url = f"{cluster.kube.url}/apis/{names.GROUP}/{names.VERSION}/namespaces/default/instances"
    table: dict[str, Any] = requests.get(url, headers=ACCEPT, timeout=30).json()
    assert table["kind"] == "Table"
    return table


def _render(table: dict[str, Any], wide: bool) -> list[str]:
    """The lines kubectl prints: priority-0 columns (all with ``-o wide``), upper-case headers,
    each column as wide as its widest cell, three spaces apart."""
    shown = [i for i, c in enumerate(table["columnDefinitions"]) if wide or c["priority"] == 0]
    header = [table["columnDefinitions"][i]["name"].upper() for i in shown]
    rows = [
        ["" if row["cells"][i] is None else str(row["cells"][i]) for i in shown]
        for row in table["rows"]
    ]
    widths = [max(len(line[k]) for line in [header, *rows]) for k in range(len(shown))]
    return [
        (" " * GAP)
        .join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        .rstrip()
        for line in [header, *rows]
    ]


def test_reason_by_default_message_and_server_id_when_wide(cluster: Cluster) -> None:
    broken = {
        "phase": "Pending",
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "reason": "FlavorNotFound",
                "message": "Flavor 'm1.huge' does not exist.",
                "lastTransitionTime": "2026-12-01T10:00:00Z",
            }
        ],
    }
    _instance(cluster, "web-1", broken)
    table = _table(cluster)
    priorities = {c["name"]: c["priority"] for c in table["columnDefinitions"]}
    assert priorities["Reason"] == 0
    assert priorities["Message"] == 1
    assert priorities["Server-ID"] == 1
    default, wide = _render(table, wide=False), _render(table, wide=True)
    assert default[0].split() == [
        "NAME",
        "READY",
        "REASON",
        "PHASE",
        "POWER",
        "IP",
        "FLAVOR",
        "AGE",
    ]
    assert default[1].split()[:4] == ["web-1", "False", "FlavorNotFound", "Pending"]
    assert "SERVER-ID" in wide[0]
    assert wide[1].endswith("Flavor 'm1.huge' does not exist.")


def test_default_view_of_typical_instances_fits_120_columns(cluster: Cluster) -> None:
    """A 20-character name, the longest reason, an IPv4 address, a long flavor name."""
    _instance(
        cluster,
        "payments-web-prod-01",
        {
            "phase": "Rebooting",
            "powerState": "Running",
            "serverID": "0b3e6c4a-9f1d-4b7e-8a2c-5d6f7e8a9b0c",
            "flavorName": "general.c4m8-ssd",
            "addresses": [{"network": "private", "ip": "192.168.100.200", "version": 4}],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False",
                    "reason": LONGEST_REASON,
                    "message": "A long explanation of what went wrong and what to do next, "
                    "which only the wide view shows.",
                    "lastTransitionTime": "2026-12-01T10:00:00Z",
                }
            ],
        },
    )
    lines = _render(_table(cluster), wide=False)
    assert LONGEST_REASON in lines[1]
    assert max(len(line) for line in lines) <= 120, "\n".join(lines)
