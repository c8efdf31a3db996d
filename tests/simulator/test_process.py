"""The simulator as a separate process: the CLI, and the ``simulator_process`` fixture."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from instance_operator.simulator import SimulatorConfig
from instance_operator.simulator.remote import RemoteSimulator
from instance_operator.simulator.testing import _first_line
from tests.simulator.client import TIMEOUT, OpenStack, password_body

CLI = Path(sys.executable).parent / "instance-operator"


def test_cli_prints_the_auth_url_and_writes_clouds_yaml(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text("region: RegionTwo\nusers: [{name: ops, password: s3cret, project: admin}]\n")
    clouds = tmp_path / "clouds.yaml"
    command = [
        str(CLI),
        "simulator",
        "--port",
        "0",
        "--config",
        str(config),
        "--clouds-yaml",
        str(clouds),
        "--cloud-name",
        "lab",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        auth_url = _first_line(process)
        assert auth_url.startswith("http://127.0.0.1:")
        assert auth_url.endswith("/identity/v3")
        cloud = yaml.safe_load(clouds.read_text())["clouds"]["lab"]
        assert cloud["region_name"] == "RegionTwo"
        auth = cloud["auth"]
        assert auth["auth_url"] == auth_url
        body = password_body(auth["username"], auth["password"], auth["project_name"])
        issued = requests.post(f"{auth_url}/auth/tokens", json=body, timeout=TIMEOUT)
        assert issued.status_code == 201
        with OpenStack.login(auth_url, "ops", "s3cret", "admin") as client:
            server = client.create_server()
            base = auth_url.removesuffix("/identity/v3")
            seen = requests.get(f"{base}/_sim/servers/{server['id']}", timeout=TIMEOUT)
            assert seen.json()["server"]["name"] == "web-1"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
    assert code == 0


def test_cli_writes_clouds_yaml_in_the_working_directory_but_never_over_a_users(
    tmp_path: Path,
) -> None:
    command = [str(CLI), "simulator", "--port", "0"]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        auth_url = _first_line(process)
        written = (tmp_path / "clouds.yaml").read_text()
        assert yaml.safe_load(written)["clouds"]["simulator"]["auth"]["auth_url"] == auth_url
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    restarted = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert _first_line(restarted) != ""  # its own earlier file is rewritten
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.communicate(timeout=10)

    users = "clouds:\n  production: {auth: {auth_url: https://keystone.example.com/v3}}\n"
    (tmp_path / "clouds.yaml").write_text(users)
    refused = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )
    assert refused.returncode == 2
    assert "not overwriting it" in refused.stderr
    assert "--clouds-yaml" in refused.stderr
    assert (tmp_path / "clouds.yaml").read_text() == users


def test_cli_rejects_a_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "sim.yaml"
    config.write_text("users: [{name: ops, password: x, project: nowhere}]\n")
    result = subprocess.run(
        [str(CLI), "simulator", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "unknown project nowhere" in result.stderr


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig.from_yaml("durations: {build: 0.05}\nquota: {instances: 5}\n")


def test_the_subprocess_is_steered_over_http(simulator_process: RemoteSimulator) -> None:
    sim = simulator_process
    with OpenStack.login(sim.auth_url, "admin", "admin") as client:
        server_id = client.create_server()["id"]
        client.wait_for(server_id, "ACTIVE")
        assert sim.servers.get(server_id)["status"] == "ACTIVE"  # type: ignore[index]
        assert sim.servers.count() == 1
        seeded = sim.servers.create(2, name="bulk", status="SHUTOFF")
        assert {s["name"] for s in sim.servers.list()} == {"web-1", "bulk-1", "bulk-2"}
        sim.servers.delete(seeded[0])
        assert client.get("compute", f"/servers/{seeded[0]}").status_code == 404
        assert len(sim.servers.list(include_deleted=True)) == 3
        with pytest.raises(KeyError):
            sim.servers.delete(seeded[0])
        assert sim.servers.get("nope") is None
        sim.servers.fail(server_id, message="host down")
        failed = client.server(server_id)
        assert (failed["status"], failed["fault"]["message"]) == ("ERROR", "host down")
        with pytest.raises(KeyError):
            sim.servers.fail("nope", message="host down")

        settings = sim.faults.set(error_rate=1.0, services=["compute"])
        assert settings.error_rate == 1.0
        assert client.get("compute", "/servers").status_code == 500
        with pytest.raises(ValueError, match="error_rate"):
            sim.faults.set(error_rate=2)
        sim.faults.clear()
        assert sim.faults.get().error_rate == 0
        assert client.get("compute", "/servers").status_code == 200

        assert sim.counters.count(service="compute", path="/v2.1/servers", status=500) == 1
        assert sim.counters.max_requests_per_second("compute") >= 1
        sim.counters.reset()
        assert sim.counters.snapshot().requests == []

        sim.expire_tokens()
        assert client.get("compute", "/servers").status_code == 401
    config = requests.get(f"{sim.base_url}/_sim/config", timeout=TIMEOUT).json()
    assert config["quota"]["instances"] == 5
    sim.reset()
    assert sim.servers.list(include_deleted=True) == []
    assert "username: admin" in sim.clouds_yaml()


def test_the_subprocess_clock_is_stopped_and_stepped_over_http(
    simulator_process: RemoteSimulator,
) -> None:
    sim = simulator_process
    assert not sim.clock.frozen
    started = sim.clock.freeze()
    assert sim.clock.frozen
    with OpenStack.login(sim.auth_url, "admin", "admin") as client:
        server_id = client.create_server()["id"]
        assert sim.clock.now() == started
        assert client.server(server_id)["OS-EXT-STS:task_state"] == "scheduling"
        assert sim.clock.advance(sim.config.durations.build) == started + 0.05
        assert client.server(server_id)["status"] == "ACTIVE"
    for bad in ({"seconds": -1}, {"seconds": "1"}, {"seconds": True}, {"second": 1}):
        refused = requests.post(f"{sim.base_url}/_sim/clock/advance", json=bad, timeout=TIMEOUT)
        assert refused.status_code == 400
        assert refused.json() == {
            "error": 'the body must be {"seconds": <a number of seconds, 0 or more>}'
        }
    assert sim.clock.resume() >= started + 0.05
    assert not sim.clock.frozen
