"""What a user gets wrong, and what happens to a server behind the operator's back."""

from __future__ import annotations

import time

from instance_operator.sandbox import CREDENTIALS_SECRET, Box, Cluster
from tests.e2e.support import CREATE_PATH, web

WRONG_PASSWORD = "e2e-WRONG-pw-5190"


def test_unknown_flavor_is_degraded_until_the_spec_is_fixed(box: Box, cluster: Cluster) -> None:
    assert box.sim is not None
    creates = box.sim.counters.count(method="POST", path=CREATE_PATH)
    cluster.create(web(flavor={"name": "m1.huge"}))
    degraded = cluster.wait_condition("web-1", "Degraded", "FlavorNotFound")
    assert "m1.huge" in degraded["message"]
    assert "m1.small" in degraded["message"]  # it lists what there is
    assert cluster.condition("web-1", "Ready")["status"] == "False"
    assert ("Warning", "FlavorNotFound") in cluster.reasons("web-1")
    assert box.sim.counters.count(method="POST", path=CREATE_PATH) == creates

    cluster.patch_spec("web-1", {"flavor": {"name": "m1.small"}})
    # At once, not after the slow retry of user errors.
    status = cluster.wait_ready("web-1", timeout=box.operator.flags.user_error_retry)
    assert status["flavorName"] == "m1.small"
    assert cluster.condition("web-1", "Degraded")["status"] == "False"


def test_wrong_password_then_rotated_without_a_restart(box: Box, cluster: Cluster) -> None:
    good = box.clouds_yaml
    assert "password: admin" in good
    cluster.put_secret(
        CREDENTIALS_SECRET,
        {"clouds.yaml": good.replace("password: admin", f"password: {WRONG_PASSWORD}")},
    )
    pid = box.operator.pid
    cluster.create(web())
    degraded = cluster.wait_condition("web-1", "Degraded", "AuthenticationFailed")
    assert WRONG_PASSWORD not in degraded["message"]
    assert ("Warning", "AuthenticationFailed") in cluster.reasons("web-1")

    cluster.put_secret(CREDENTIALS_SECRET, {"clouds.yaml": good})
    cluster.wait_ready("web-1")
    assert box.operator.pid == pid
    assert box.operator.starts == 1
    assert WRONG_PASSWORD not in box.operator.log_text()


def test_a_server_deleted_out_of_band_is_lost(box: Box, cluster: Cluster) -> None:
    assert box.sim is not None
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    box.sim.servers.delete(server_id)  # an admin deletes it

    lost = cluster.wait_condition("web-1", "Degraded", "ServerLost")
    assert server_id in lost["message"]
    assert cluster.status("web-1")["phase"] == "Lost"
    assert cluster.condition("web-1", "Ready")["status"] == "False"
    assert ("Warning", "ServerLost") in cluster.reasons("web-1")
    time.sleep(2 * box.operator.flags.poll_interval)
    mine = [s for s in box.sim.servers.list() if s["name"] == f"{cluster.namespace}-web-1"]
    assert mine == []  # not silently re-created

    cluster.delete("web-1")  # a lost Instance can still be deleted
    cluster.wait_gone("web-1")
