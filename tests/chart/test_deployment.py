"""The operator's Deployment: the flags it runs with, strategy, probes, hardening, pass-through values."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from instance_operator.controller.config import OperatorConfig, flag
from tests.chart.helm import CHART, CI_VALUES, NAMESPACE, ROOT, render

CHART_META = yaml.safe_load((CHART / "Chart.yaml").read_text())
DEFAULTS = yaml.safe_load((CHART / "values.yaml").read_text())


def values_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "values.yaml"
    path.write_text(text)
    return path


def test_defaults_run_the_operator_with_its_own_defaults() -> None:
    """The chart's operator values are the operator's defaults, so the two cannot drift apart."""
    config = render().config()
    chart_owned = {"standalone": True, "liveness": "http://0.0.0.0:8080/healthz"}
    assert config == OperatorConfig(**chart_owned)


def test_operator_values_become_flags() -> None:
    """Each value under ``operator`` reaches the operator as the setting of its name: the ci file
    sets every one of them away from its default, so a value the Deployment drops is caught."""
    values = yaml.safe_load(CI_VALUES["namespaces"].read_text())["operator"]
    assert set(values) == set(DEFAULTS["operator"])
    config = render("namespaces").config()
    assert config.namespaces == ("team-a", "team-b")
    defaults = OperatorConfig()
    for key, value in values.items():
        field = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
        assert getattr(config, field) == value != getattr(defaults, field), key


def test_every_setting_of_run_is_passed_as_a_flag() -> None:
    """The Deployment passes each flag of ``instance-operator run`` (the peering ones only with
    peering, --standalone only without), so none falls back to a variable or a default unseen."""
    passed = {
        arg.partition("=")[0]
        for values in ("namespaces", "ha-namespaces")
        for arg in render(values).container["args"]
    }
    wanted = {flag(field) for field in OperatorConfig.model_fields if field != "namespaces"}
    assert wanted - passed == set()
    assert "--namespace" in passed


def test_one_replica_is_standalone_and_never_overlaps() -> None:
    manifests = render()
    assert manifests.deployment["spec"]["replicas"] == 1
    assert manifests.deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert manifests.config().standalone
    assert not manifests.of("ClusterKopfPeering")
    assert not manifests.of("KopfPeering")


def test_replicas_elect_one_through_peering() -> None:
    manifests = render("ha")
    assert manifests.deployment["spec"]["replicas"] == 3
    assert manifests.deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    config = manifests.config()
    assert not config.standalone
    assert config.namespaces == ()
    assert [p["metadata"]["name"] for p in manifests.of("ClusterKopfPeering")] == [
        config.peering_name
    ]
    assert config.peering_name == "instance-operator-ha"


def test_peering_per_watched_namespace() -> None:
    manifests = render("ha-namespaces")
    config = manifests.config()
    assert not config.standalone
    peerings = {
        (p["metadata"]["namespace"], p["metadata"]["name"]) for p in manifests.of("KopfPeering")
    }
    assert peerings == {(ns, config.peering_name) for ns in config.namespaces}
    assert not manifests.of("ClusterKopfPeering")


def test_peering_can_be_on_with_one_replica(tmp_path: Path) -> None:
    manifests = render(values_file(tmp_path, "peering: {enabled: true}\n"))
    assert not manifests.config().standalone
    assert manifests.deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert len(manifests.of("ClusterKopfPeering")) == 1


def test_probes_ask_kopfs_liveness_endpoint() -> None:
    container = render().container
    endpoint = urlsplit(render().config().liveness or "")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("livenessProbe", "readinessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == endpoint.path == "/healthz"
        assert ports[get["port"]] == endpoint.port
    assert endpoint.hostname == "0.0.0.0"  # reachable by the kubelet


def test_hardened() -> None:
    pod = render().deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    # The one writable place is an emptyDir at /tmp, where the image points HOME.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert re.search(r"^\s*HOME=/tmp\b", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert container["resources"]["limits"]["memory"]


def test_image_defaults_to_the_app_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert CHART_META["appVersion"] == version
    image = render().container["image"]
    assert image == f"ghcr.io/instance-operator/instance-operator:{version}"


def test_a_digest_pins_the_image_instead_of_the_tag() -> None:
    digest = "sha256:" + "ab" * 32
    image = render(extra=["--set", f"image.digest={digest}", "--set", "image.tag=latest"]).container
    assert image["image"] == f"ghcr.io/instance-operator/instance-operator@{digest}"


def test_pod_placement_and_environment_pass_through() -> None:
    manifests = render("metrics")
    pod = manifests.deployment["spec"]["template"]["spec"]
    container = manifests.container
    assert container["image"] == "registry.example.com/platform/instance-operator:0.1.0-rc1"
    assert container["imagePullPolicy"] == "Always"
    assert pod["imagePullSecrets"] == [{"name": "registry-credentials"}]
    assert container["env"] == [{"name": "REQUESTS_CA_BUNDLE", "value": "/tmp/ca.pem"}]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["tolerations"][0]["key"] == "dedicated"
    assert "podAntiAffinity" in render("ha").deployment["spec"]["template"]["spec"]["affinity"]


def test_an_existing_service_account(tmp_path: Path) -> None:
    manifests = render(values_file(tmp_path, "serviceAccount: {create: false, name: ops-robot}\n"))
    assert not manifests.of("ServiceAccount")
    assert manifests.deployment["spec"]["template"]["spec"]["serviceAccountName"] == "ops-robot"
    (binding,) = manifests.of("ClusterRoleBinding")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "ops-robot", "namespace": NAMESPACE}
    ]


def test_the_created_service_account_is_the_one_used() -> None:
    manifests = render()
    account = manifests.one("ServiceAccount")["metadata"]
    assert account["namespace"] == NAMESPACE
    assert manifests.deployment["spec"]["template"]["spec"]["serviceAccountName"] == account["name"]


def test_selector_matches_the_pods() -> None:
    deployment = render().deployment
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
