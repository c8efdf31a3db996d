"""``servers.fail``: a launched server's host fails under it, and a hard reboot recovers it."""

from __future__ import annotations

import pytest
import requests

from instance_operator.simulator import Simulator
from instance_operator.simulator.config import fast_config
from tests.simulator.client import TIMEOUT, OpenStack


def test_a_failed_host_puts_the_server_in_error_until_a_hard_reboot(
    simulator: Simulator, admin: OpenStack
) -> None:
    server_id = admin.create_server()["id"]
    active = admin.wait_for(server_id, "ACTIVE")
    simulator.servers.fail(server_id, message="Compute host sim-compute-1 is down")
    failed = admin.server(server_id)
    assert failed["status"] == "ERROR"
    assert (failed["OS-EXT-STS:vm_state"], failed["OS-EXT-STS:task_state"]) == ("error", None)
    assert failed["fault"]["code"] == 500
    assert failed["fault"]["message"] == "Compute host sim-compute-1 is down"
    assert failed["fault"]["created"]
    assert failed["OS-SRV-USG:launched_at"] == active["OS-SRV-USG:launched_at"]
    assert failed["OS-EXT-SRV-ATTR:host"] == active["OS-EXT-SRV-ATTR:host"]

    soft = admin.action(server_id, {"reboot": {"type": "SOFT"}})
    assert soft.status_code == 409
    assert soft.json() == {
        "conflictingRequest": {
            "code": 409,
            "message": f"Cannot 'reboot' instance {server_id} while it is in vm_state error",
        }
    }
    simulator.clock.freeze()  # the reboot's transitional state holds still until stepped
    hard = admin.action(server_id, {"reboot": {"type": "HARD"}})
    assert hard.status_code == 202
    rebooting = admin.server(server_id)
    assert (rebooting["status"], rebooting["OS-EXT-STS:task_state"]) == ("ERROR", "rebooting_hard")
    assert "fault" in rebooting
    simulator.clock.advance(simulator.config.durations.hard_reboot)
    back = admin.server(server_id)
    assert (back["status"], back["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert back["OS-EXT-STS:power_state"] == 1
    assert "fault" not in back  # Nova shows the fault only in ERROR and DELETED


def test_a_failure_voids_the_operation_under_way() -> None:
    config = fast_config()
    config.durations.stop = 0.3
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as admin,
    ):
        server_id = admin.create_server()["id"]
        admin.wait_for(server_id, "ACTIVE")
        sim.clock.freeze()
        assert admin.action(server_id, {"os-stop": None}).status_code == 202
        sim.servers.fail(server_id, message="host lost")
        sim.clock.advance(1.0)  # the stop would have finished by now
        failed = admin.server(server_id)
        assert (failed["status"], failed["OS-EXT-STS:task_state"]) == ("ERROR", None)
        assert failed["fault"]["message"] == "host lost"


def test_only_launched_live_servers_can_fail(simulator: Simulator, admin: OpenStack) -> None:
    building = admin.create_server()["id"]
    with pytest.raises(ValueError, match="only a launched server"):
        simulator.servers.fail(building, message="x")
    with pytest.raises(KeyError):
        simulator.servers.fail("nope", message="x")
    admin.wait_for(building, "ACTIVE")
    admin.delete("compute", f"/servers/{building}")
    with pytest.raises(KeyError):
        simulator.servers.fail(building, message="x")


def test_fail_over_http(simulator: Simulator, admin: OpenStack) -> None:
    server_id = admin.create_server()["id"]
    admin.wait_for(server_id, "ACTIVE")
    url = f"{simulator.base_url}/_sim/servers/{server_id}/error"
    assert requests.post(url, json={"messag": "typo"}, timeout=TIMEOUT).status_code == 400
    assert requests.post(url, json={"message": 1}, timeout=TIMEOUT).status_code == 400
    unknown = f"{simulator.base_url}/_sim/servers/nope/error"
    assert requests.post(unknown, json={"message": "x"}, timeout=TIMEOUT).status_code == 404
    done = requests.post(url, json={"message": "hypervisor gone"}, timeout=TIMEOUT)
    assert done.status_code == 204
    assert admin.server(server_id)["fault"]["message"] == "hypervisor gone"
