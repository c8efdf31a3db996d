"""The server state machine over HTTP: build, power, reboot, resize, snapshot, delete.

Tests that look at a transitional state stop the simulator's clock and step it by the configured
durations, so each state holds still while it is read, however slow the machine.
"""

from __future__ import annotations

import pytest

from instance_operator.simulator import Simulator, SimulatorConfig
from instance_operator.simulator.clock import Clock
from instance_operator.simulator.config import Durations, fast_config
from instance_operator.simulator.timefmt import parse_isotime
from tests.simulator.client import OpenStack


@pytest.fixture
def clock(simulator: Simulator) -> Clock:
    """The simulator's clock, stopped: nothing moves on until the test advances it."""
    simulator.clock.freeze()
    return simulator.clock


@pytest.fixture
def durations(simulator: Simulator) -> Durations:
    return simulator.config.durations


def state(client: OpenStack, server_id: str) -> tuple[str, str | None]:
    server = client.server(server_id)
    return server["status"], server["OS-EXT-STS:task_state"]


def active_server(client: OpenStack, clock: Clock, durations: Durations) -> str:
    server_id: str = client.create_server()["id"]
    clock.advance(durations.build)
    assert state(client, server_id) == ("ACTIVE", None)
    return server_id


def test_build_goes_from_scheduling_to_spawning_to_active(
    admin: OpenStack, clock: Clock, durations: Durations
) -> None:
    created = admin.create_server(networks="auto")
    building = admin.server(created["id"])
    assert building["status"] == "BUILD"
    assert building["OS-EXT-STS:vm_state"] == "building"
    assert building["OS-EXT-STS:task_state"] == "scheduling"
    assert building["OS-EXT-STS:power_state"] == 0
    assert building["addresses"] == {}  # Nova hides addresses while building
    assert building["hostId"] == ""
    assert building["OS-SRV-USG:launched_at"] is None
    clock.advance(durations.build / 2)
    spawning = admin.server(created["id"])
    assert (spawning["status"], spawning["OS-EXT-STS:task_state"]) == ("BUILD", "spawning")
    assert spawning["OS-EXT-SRV-ATTR:host"]
    clock.advance(durations.build / 2)
    active = admin.server(created["id"])
    assert (active["status"], active["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert active["OS-EXT-STS:vm_state"] == "active"
    assert active["OS-EXT-STS:power_state"] == 1
    assert active["OS-EXT-SRV-ATTR:host"]
    assert active["hostId"]
    assert active["OS-EXT-AZ:availability_zone"] == "nova"
    assert active["progress"] == 0
    assert active["OS-SRV-USG:launched_at"] is not None


def test_stop_start_and_the_conflicts(admin: OpenStack, clock: Clock, durations: Durations) -> None:
    server_id = admin.create_server()["id"]
    early = admin.action(server_id, {"os-stop": None})
    assert early.status_code == 409
    assert early.json()["conflictingRequest"]["message"] == (
        f"Cannot 'stop' instance {server_id} while it is in vm_state building"
    )
    clock.advance(durations.build)
    conflict = admin.action(server_id, {"os-start": None})
    assert conflict.status_code == 409
    assert conflict.json() == {
        "conflictingRequest": {
            "code": 409,
            "message": f"Cannot 'start' instance {server_id} while it is in vm_state active",
        }
    }
    stop = admin.action(server_id, {"os-stop": None})
    assert stop.status_code == 202
    assert stop.content == b""
    assert state(admin, server_id) == ("ACTIVE", "powering-off")
    again = admin.action(server_id, {"os-stop": None})
    assert again.json()["conflictingRequest"]["message"].endswith(
        "while it is in task_state powering-off"
    )
    clock.advance(durations.stop)
    shutoff = admin.server(server_id)
    assert (shutoff["status"], shutoff["OS-EXT-STS:task_state"]) == ("SHUTOFF", None)
    assert (shutoff["OS-EXT-STS:vm_state"], shutoff["OS-EXT-STS:power_state"]) == ("stopped", 4)
    assert "progress" not in shutoff  # Nova shows progress only in some statuses
    soft = admin.action(server_id, {"reboot": {"type": "SOFT"}})
    assert soft.status_code == 409
    assert soft.json()["conflictingRequest"]["message"] == (
        f"Cannot 'reboot' instance {server_id} while it is in vm_state stopped"
    )
    assert admin.action(server_id, {"os-start": None}).status_code == 202
    assert state(admin, server_id) == ("SHUTOFF", "powering-on")
    clock.advance(durations.start)
    assert state(admin, server_id) == ("ACTIVE", None)


@pytest.mark.parametrize(
    ("kind", "status", "task", "duration"),
    [
        ("SOFT", "REBOOT", "rebooting", "reboot"),
        ("hard", "HARD_REBOOT", "rebooting_hard", "hard_reboot"),
    ],
)
def test_reboots(
    admin: OpenStack,
    clock: Clock,
    durations: Durations,
    kind: str,
    status: str,
    task: str,
    duration: str,
) -> None:
    server_id = active_server(admin, clock, durations)
    assert admin.action(server_id, {"reboot": {"type": kind}}).status_code == 202
    assert state(admin, server_id) == (status, task)
    clock.advance(getattr(durations, duration))
    assert state(admin, server_id) == ("ACTIVE", None)
    bad = admin.action(server_id, {"reboot": {"type": "WARM"}})
    assert bad.status_code == 400
    assert "'WARM' is not one of" in bad.json()["badRequest"]["message"]


def test_hard_reboot_starts_a_stopped_server(
    admin: OpenStack, clock: Clock, durations: Durations
) -> None:
    server_id = active_server(admin, clock, durations)
    admin.action(server_id, {"os-stop": None})
    clock.advance(durations.stop)
    assert state(admin, server_id) == ("SHUTOFF", None)
    assert admin.action(server_id, {"reboot": {"type": "HARD"}}).status_code == 202
    clock.advance(durations.hard_reboot)
    assert admin.server(server_id)["OS-EXT-STS:power_state"] == 1
    assert state(admin, server_id) == ("ACTIVE", None)


def test_resize_and_confirm(admin: OpenStack, clock: Clock, durations: Durations) -> None:
    server_id = active_server(admin, clock, durations)
    small = admin.flavor_id("m1.small")
    not_resized = admin.action(server_id, {"confirmResize": None})
    assert not_resized.status_code == 409
    assert not_resized.json() == {
        "conflictingRequest": {
            "code": 409,
            "message": f"Cannot 'confirmResize' instance {server_id} while it is in vm_state active",
        }
    }
    same = admin.action(server_id, {"resize": {"flavorRef": admin.flavor_id("m1.tiny")}})
    assert same.json()["badRequest"]["message"] == "When resizing, instances must change flavor!"
    unknown = admin.action(server_id, {"resize": {"flavorRef": "nope"}})
    assert unknown.json()["badRequest"]["message"] == "Flavor nope could not be found."
    assert admin.action(server_id, {"resize": {"flavorRef": small}}).status_code == 202
    assert state(admin, server_id) == ("RESIZE", "resize_prep")
    clock.advance(durations.resize)
    verify = admin.server(server_id)
    assert (verify["status"], verify["OS-EXT-STS:task_state"]) == ("VERIFY_RESIZE", None)
    assert verify["flavor"]["original_name"] == "m1.small"
    assert verify["OS-EXT-STS:vm_state"] == "resized"
    confirm = admin.action(server_id, {"confirmResize": None})
    assert confirm.status_code == 204
    pending = admin.action(server_id, {"confirmResize": None})
    assert pending.status_code == 400  # Nova finds no "finished" migration any more
    assert pending.json()["badRequest"]["message"] == "Instance has not been resized."
    clock.advance(durations.confirm_resize)
    confirmed = admin.server(server_id)
    assert (confirmed["status"], confirmed["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert confirmed["flavor"]["original_name"] == "m1.small"


def test_resize_of_a_stopped_server_returns_to_shutoff(admin: OpenStack) -> None:
    server_id = admin.create_server()["id"]
    admin.wait_for(server_id, "ACTIVE")
    admin.action(server_id, {"os-stop": None})
    admin.wait_for(server_id, "SHUTOFF")
    admin.action(server_id, {"resize": {"flavorRef": admin.flavor_id("m1.small")}})
    admin.wait_for(server_id, "VERIFY_RESIZE")
    admin.action(server_id, {"confirmResize": None})
    assert admin.wait_for(server_id, "SHUTOFF")["OS-EXT-STS:power_state"] == 4


def test_create_image_goes_queued_saving_active(
    admin: OpenStack, clock: Clock, durations: Durations
) -> None:
    server_id = active_server(admin, clock, durations)
    response = admin.action(
        server_id, {"createImage": {"name": "snap", "metadata": {"purpose": "backup"}}}
    )
    assert response.status_code == 202
    image_id = response.json()["image_id"]
    assert "Location" not in response.headers
    assert state(admin, server_id) == ("ACTIVE", "image_snapshot")
    image = admin.get("image", f"/v2/images/{image_id}").json()
    assert image["status"] == "queued"
    assert (image["image_type"], image["instance_uuid"], image["purpose"]) == (
        "snapshot",
        server_id,
        "backup",
    )
    assert image["disk_format"] is None
    clock.advance(durations.snapshot_queued)
    assert admin.get("image", f"/v2/images/{image_id}").json()["status"] == "saving"
    assert state(admin, server_id) == ("ACTIVE", "image_uploading")
    clock.advance(durations.snapshot_upload)
    image = admin.get("image", f"/v2/images/{image_id}").json()
    assert image["status"] == "active"
    assert image["size"]
    assert image["checksum"]
    assert image["disk_format"] == "qcow2"
    assert state(admin, server_id) == ("ACTIVE", None)
    listed = admin.get("image", "/v2/images", params={"image_type": "snapshot"}).json()["images"]
    assert [i["id"] for i in listed] == [image_id]


def test_create_image_before_2_45_answers_with_a_location(admin: OpenStack) -> None:
    server_id = admin.create_server()["id"]
    admin.wait_for(server_id, "ACTIVE")
    response = admin.action(server_id, {"createImage": {"name": "old"}}, version="2.44")
    assert response.status_code == 202
    assert response.content == b""
    assert response.headers["Location"].startswith(f"{admin.base_url}/image/images/")


def test_delete_is_gone_at_once_by_default(admin: OpenStack) -> None:
    server_id = admin.create_server()["id"]
    response = admin.delete("compute", f"/servers/{server_id}")
    assert response.status_code == 204
    gone = admin.get("compute", f"/servers/{server_id}")
    assert gone.status_code == 404
    assert gone.json() == {
        "itemNotFound": {"code": 404, "message": f"Instance {server_id} could not be found."}
    }


def test_delete_window_answers_200_with_task_deleting() -> None:
    config = fast_config()
    config.durations.delete = 0.3
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as client,
    ):
        sim.clock.freeze()
        server_id = active_server(client, sim.clock, config.durations)
        assert client.delete("compute", f"/servers/{server_id}").status_code == 204
        assert state(client, server_id) == ("ACTIVE", "deleting")
        sim.clock.advance(0.3)
        assert client.get("compute", f"/servers/{server_id}").status_code == 404


def test_a_repeated_delete_in_the_window_is_204_and_changes_nothing() -> None:
    config = fast_config()
    config.durations.delete = 1.0
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as client,
    ):
        sim.clock.freeze()
        server_id = active_server(client, sim.clock, config.durations)
        assert client.delete("compute", f"/servers/{server_id}").status_code == 204
        sim.clock.advance(0.5)
        again = client.delete("compute", f"/servers/{server_id}")
        assert (again.status_code, again.content) == (204, b"")
        actions = client.get("compute", f"/servers/{server_id}/os-instance-actions").json()
        assert [a["action"] for a in actions["instanceActions"]] == ["delete", "create"]
        # Gone on the first delete's schedule: the repeat did not start the window again.
        sim.clock.advance(0.5)
        assert client.get("compute", f"/servers/{server_id}").status_code == 404
        assert client.delete("compute", f"/servers/{server_id}").status_code == 404


def test_updated_is_the_due_time_not_the_read_time() -> None:
    config = fast_config()
    config.durations.build = 0.2
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as client,
    ):
        sim.clock.freeze()
        server_id = client.create_server()["id"]
        sim.clock.advance(0.6)  # nobody looks while the build finishes
        actions = client.get("compute", f"/servers/{server_id}/os-instance-actions", version="2.84")
        request_id = actions.json()["instanceActions"][0]["request_id"]
        event = client.get(
            "compute", f"/servers/{server_id}/os-instance-actions/{request_id}", version="2.84"
        ).json()["instanceAction"]["events"][0]
        took = parse_isotime(event["finish_time"]) - parse_isotime(event["start_time"])
        assert took == pytest.approx(0.2, abs=0.001)
        server = client.server(server_id)
        assert parse_isotime(server["updated"]) <= parse_isotime(event["finish_time"])


def test_build_errors_carry_a_fault(
    simulator: Simulator, admin: OpenStack, demo: OpenStack
) -> None:
    simulator.faults.set(error_next_builds=2, build_error_message="No valid host was found. ")
    failed = admin.wait_for(admin.create_server()["id"], "ERROR")
    assert failed["fault"]["code"] == 500
    assert failed["fault"]["message"] == "No valid host was found. "
    assert failed["fault"]["details"]
    assert failed["OS-EXT-STS:power_state"] == 0
    member_view = demo.wait_for(demo.create_server()["id"], "ERROR")
    assert set(member_view["fault"]) == {
        "code",
        "created",
        "message",
    }  # details are admin-only for 500s
    assert admin.wait_for(admin.create_server()["id"], "ACTIVE")
    stop_error = admin.action(failed["id"], {"os-stop": None})
    assert stop_error.json()["conflictingRequest"]["message"] == (
        f"Instance {failed['id']} is in an invalid state for 'stop'"
    )


def test_multiple_create_names_and_reservation(admin: OpenStack) -> None:
    flavor, image = admin.flavor_id("m1.tiny"), admin.image_id()
    body = {
        "name": "batch",
        "flavorRef": flavor,
        "imageRef": image,
        "networks": "none",
        "max_count": 3,
    }
    response = admin.post(
        "compute", "/servers", json={"server": {**body, "return_reservation_id": True}}
    )
    assert response.status_code == 202
    reservation = response.json()["reservation_id"]
    names = sorted(s["name"] for s in admin.get("compute", "/servers").json()["servers"])
    assert names == ["batch-1", "batch-2", "batch-3"]
    details = admin.get("compute", "/servers/detail").json()["servers"]
    assert {s["OS-EXT-SRV-ATTR:reservation_id"] for s in details} == {reservation}
    bad = admin.post("compute", "/servers", json={"server": {**body, "min_count": 4}})
    assert bad.json()["badRequest"]["message"] == "min_count must be <= max_count"


def test_quota_is_a_403_in_novas_words() -> None:
    config = fast_config(quota={"instances": 2, "cores": 10})
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as client,
    ):
        client.create_server("a")
        client.create_server("b")
        refused = client.post(
            "compute",
            "/servers",
            json={
                "server": {
                    "name": "c",
                    "flavorRef": client.flavor_id("m1.tiny"),
                    "imageRef": client.image_id(),
                    "networks": "none",
                }
            },
        )
        assert refused.status_code == 403
        assert refused.json() == {
            "forbidden": {
                "code": 403,
                "message": "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances",
            }
        }
        limits = client.get("compute", "/limits").json()["limits"]["absolute"]
        assert (
            limits["maxTotalInstances"],
            limits["totalInstancesUsed"],
            limits["totalCoresUsed"],
        ) == (2, 2, 2)


def test_seeded_servers_skip_the_build(simulator: Simulator, admin: OpenStack) -> None:
    (active,) = simulator.servers.create(name="ready")
    (stopped,) = simulator.servers.create(name="off", status="SHUTOFF", networks="auto")
    assert admin.server(active)["status"] == "ACTIVE"
    off = admin.server(stopped)
    assert off["status"] == "SHUTOFF"
    assert off["addresses"]["private"][0]["version"] == 4
    assert simulator.servers.count() == 2


def test_configured_durations_from_yaml() -> None:
    config = SimulatorConfig.from_yaml("durations: {build: 0.05, stop: 0.05}")
    assert config.durations.build == 0.05
    assert config.durations.start == SimulatorConfig().durations.start


def test_a_frozen_clock_holds_every_state_until_advanced(
    simulator: Simulator, admin: OpenStack
) -> None:
    started = simulator.clock.freeze()
    server_id = admin.create_server()["id"]
    assert simulator.clock.now() == started
    assert state(admin, server_id) == ("BUILD", "scheduling")
    assert simulator.clock.advance(10.0) == started + 10.0
    assert state(admin, server_id) == ("ACTIVE", None)
    assert simulator.clock.resume() >= started + 10.0  # it never runs backwards
    assert not simulator.clock.frozen
    with pytest.raises(ValueError, match="only moves forward"):
        simulator.clock.advance(-1.0)
