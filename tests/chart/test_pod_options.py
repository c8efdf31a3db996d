"""The chart's pod options (priority, spread, annotations, labels, extra volumes), the
PodDisruptionBudget of a replicated operator, and the `helm test` hook."""

from __future__ import annotations

import ast

from tests.chart.helm import render

SELECTOR = {"app.kubernetes.io/name": "instance-operator", "app.kubernetes.io/instance": "io"}


def test_pod_options_reach_the_pod() -> None:
    manifests = render("pod-options")
    pod = manifests.deployment["spec"]["template"]
    spec = pod["spec"]
    assert spec["priorityClassName"] == "system-cluster-critical"
    assert spec["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"
    assert pod["metadata"]["annotations"] == {"example.com/owner": "platform-team"}
    labels = pod["metadata"]["labels"]
    assert labels["team"] == "platform"
    assert SELECTOR.items() <= labels.items()  # podLabels never break the selector
    assert {"name": "private-ca", "configMap": {"name": "private-ca"}} in spec["volumes"]
    assert {v["name"] for v in spec["volumes"]} == {"tmp", "private-ca"}
    mounts = {m["name"]: m for m in manifests.container["volumeMounts"]}
    assert mounts["private-ca"]["mountPath"] == "/etc/ssl/private-ca.pem"
    assert mounts["tmp"]["mountPath"] == "/tmp"


def test_defaults_add_nothing_to_the_pod() -> None:
    pod = render().deployment["spec"]["template"]
    assert "annotations" not in pod["metadata"]
    assert not {"priorityClassName", "topologySpreadConstraints"} & set(pod["spec"])
    assert [v["name"] for v in pod["spec"]["volumes"]] == ["tmp"]
    # No INSTANCE_OPERATOR_METRICS_PORT=tcp://... from the metrics Service's service link.
    assert pod["spec"]["enableServiceLinks"] is False


def test_a_disruption_budget_only_for_replicas() -> None:
    assert render().of("PodDisruptionBudget") == []
    budget = render("pod-options").one("PodDisruptionBudget")
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"] == SELECTOR


def test_helm_test_asks_healthz_and_metrics_through_the_service() -> None:
    manifests = render()
    (pod,) = [d for d in manifests.of("Pod") if d["metadata"]["annotations"]["helm.sh/hook"]]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    script = pod["spec"]["containers"][0]["command"][2]
    ast.parse(script)  # the check is valid Python
    service = manifests.one("Service")
    host = f"{service['metadata']['name']}.instance-operator-system.svc"
    ports = {p["name"]: p["port"] for p in service["spec"]["ports"]}
    assert f'base = "http://{host}"' in script
    assert f'f"{{base}}:{ports["health"]}/healthz"' in script
    assert f'f"{{base}}:{ports["metrics"]}/metrics"' in script
    assert render(extra=["--set", "metrics.enabled=false"]).of("Pod") == []


def test_the_helm_test_pod_runs_the_operator_s_image_where_the_operator_may_run() -> None:
    digest = "sha256:" + "ab" * 32
    values = [
        f"image.digest={digest}",
        "nodeSelector.pool=ops",
        "tolerations[0].key=dedicated",
        "tolerations[0].operator=Exists",
    ]
    manifests = render(extra=[arg for value in values for arg in ("--set", value)])
    (pod,) = manifests.of("Pod")
    (operator,) = manifests.one("Deployment")["spec"]["template"]["spec"]["containers"]
    assert pod["spec"]["containers"][0]["image"] == operator["image"]
    assert operator["image"].endswith(f"@{digest}")
    assert pod["spec"]["nodeSelector"] == {"pool": "ops"}
    assert pod["spec"]["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
