"""Deletion protection where no admission policy refuses the DELETE (Kubernetes < 1.30, or the
chart's ``deletionProtection.enabled=false``): the operator's finalizer holds a protected Instance,
leaves its server alone and says how to go on; taking the annotation off lets the deletion go on
at once."""

from __future__ import annotations

import pytest

from instance_operator.api.names import DELETION_PROTECTION
from instance_operator.controller.kopf_side import handlers
from instance_operator.controller.runtime import Controller
from instance_operator.simulator import Simulator
from tests.controller.test_lifecycle import web
from tests.support.cluster import Cluster, wait_for

SERVER = "/v2.1/servers/{server_id}"


def test_the_finalizer_holds_a_protected_instance_until_the_annotation_goes(
    cluster: Cluster, sim: Simulator, operator: Controller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kopf's look at a held deletion every 5 s instead of 60: the wait below is then 12 times it.
    monkeypatch.setattr(handlers, "HELD_RETRY", 5.0)
    protected = web()
    protected["metadata"]["annotations"] = {DELETION_PROTECTION: "true"}
    cluster.create(protected)
    cluster.wait_ready("web-1")
    server_id = cluster.status("web-1")["serverID"]

    cluster.delete("web-1")
    stalled = cluster.wait_condition("web-1", "Stalled", "DeletionProtected")
    assert (
        f"kubectl annotate instance web-1 -n default {DELETION_PROTECTION}-" in stalled["message"]
    )
    cluster.wait_event("web-1", "Warning", "DeletionProtected")
    assert cluster.status("web-1")["phase"] == "Deleting"
    assert (sim.servers.get(server_id) or {}).get("status") == "ACTIVE"
    assert sim.counters.count(method="DELETE", path=SERVER) == 0

    cluster.patch("web-1", {"metadata": {"annotations": {DELETION_PROTECTION: None}}})
    # The server's deletion starts at the annotation's removal; kopf lets the Instance go at its
    # next look at the held deletion (HELD_RETRY).
    wait_for("the server's deletion", lambda: sim.counters.count(method="DELETE", path=SERVER), 30)
    wait_for("the Instance to be gone", lambda: cluster.get("web-1") is None, 60)
    assert sim.counters.count(method="DELETE", path=SERVER) == 1
    assert sim.servers.get(server_id) is None or sim.servers.get(server_id)["status"] == "DELETED"  # type: ignore[index]
