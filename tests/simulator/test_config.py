"""``SimulatorConfig``: YAML in both forms, derived IDs, reference checks, seeds in the API."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from instance_operator.simulator import Simulator, SimulatorConfig
from tests.simulator.client import OpenStack

YAML = """
region: Lab
token_ttl: 60
quota: {instances: 3}
flavors:
  - {name: c1, vcpus: 1, ram: 256, disk: 2, extra_specs: {"hw:cpu_policy": dedicated}}
images:
  - {name: debian, properties: {os_distro: debian}}
networks:
  - {name: lab, cidr: 192.168.7.0/24}
security_groups:
  - {name: web, project: demo, description: http}
faults: {latency: 0.0, error_next_builds: 1}
durations: {build: 0.05}
"""


def test_yaml_text_and_path_give_the_same_config(tmp_path: Path) -> None:
    path = tmp_path / "sim.yaml"
    path.write_text(YAML)
    from_text = SimulatorConfig.from_yaml(YAML)
    assert SimulatorConfig.from_yaml(path) == from_text
    assert SimulatorConfig.from_yaml(str(path)) == from_text
    assert SimulatorConfig.from_yaml(from_text.to_yaml()) == from_text


def test_ids_are_derived_from_names_and_stable() -> None:
    first, second = SimulatorConfig.from_yaml(YAML), SimulatorConfig.from_yaml(YAML)
    assert first.flavors[0].id == second.flavors[0].id
    assert first.networks[0].subnet_id != first.networks[0].id
    assert len(first.users[0].id) == 32  # keystone-style hex
    explicit = SimulatorConfig.from_yaml(
        "flavors: [{name: x, id: '42', vcpus: 1, ram: 1, disk: 1}]"
    )
    assert explicit.flavors[0].id == "42"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("users: [{name: a, password: b, project: nope}]", "unknown project nope"),
        ("keypairs: [{name: k, user: nobody}]", "unknown user nobody"),
        ("security_groups: [{name: g, project: nope}]", "unknown project nope"),
        ("colour: blue", "colour"),
        ("faults: {error_rate: 0.8, reset_rate: 0.8}", "more than 1"),
        ("- a list", "neither a file nor a YAML mapping"),
        ("missing.yaml", "neither a file nor a YAML mapping"),
    ],
)
def test_bad_configs_are_refused(text: str, problem: str) -> None:
    with pytest.raises((pydantic.ValidationError, ValueError), match=problem):
        SimulatorConfig.from_yaml(text)


def test_seeds_and_configured_faults_show_in_the_api() -> None:
    with (
        Simulator(SimulatorConfig.from_yaml(YAML)).running() as sim,
        OpenStack.login(sim.auth_url, "demo", "demo") as client,
    ):
        flavors = client.get("compute", "/flavors/detail", version="2.61").json()["flavors"]
        assert [(f["name"], f["extra_specs"]) for f in flavors] == [
            ("c1", {"hw:cpu_policy": "dedicated"})
        ]
        (image,) = client.get("image", "/v2/images").json()["images"]
        assert image["os_distro"] == "debian"
        groups = {
            g["name"]
            for g in client.get("network", "/v2.0/security-groups").json()["security_groups"]
        }
        assert groups == {"default", "web"}
        debian, c1 = client.image_id("debian"), client.flavor_id("c1")
        first = client.create_server(
            networks="auto", security_groups=[{"name": "web"}], imageRef=debian, flavorRef=c1
        )
        failed = client.wait_for(first["id"], "ERROR")  # faults.error_next_builds: 1
        assert "No valid host" in failed["fault"]["message"]
        second_id = client.create_server(networks="auto", imageRef=debian, flavorRef=c1)["id"]
        second = client.wait_for(second_id, "ACTIVE")
        assert second["addresses"]["lab"][0]["addr"].startswith("192.168.7.")
        assert client.endpoints["compute"].startswith(sim.base_url)
        assert sim.config.region == "Lab"
