"""The metrics port, its Service and the optional ServiceMonitor line up with the pod."""

from __future__ import annotations

from pathlib import Path

from tests.chart.helm import NAMESPACE, render


def test_service_reaches_the_metrics_port() -> None:
    manifests = render()
    config = manifests.config()
    service = manifests.one("Service")
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert set(ports) == {"metrics", "health"}  # health for `helm test`
    port = ports["metrics"]
    container_ports = {p["name"]: p["containerPort"] for p in manifests.container["ports"]}
    assert container_ports[port["targetPort"]] == config.metrics_port == port["port"] == 9090
    assert container_ports[ports["health"]["targetPort"]] == ports["health"]["port"] == 8080
    pod_labels = manifests.deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert not manifests.of("ServiceMonitor")


def test_service_monitor_scrapes_the_service() -> None:
    manifests = render("metrics")
    service = manifests.one("Service")
    monitor = manifests.one("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    spec = monitor["spec"]
    assert spec["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = spec["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert (endpoint["path"], endpoint["interval"], endpoint["scrapeTimeout"]) == (
        "/metrics",
        "15s",
        "5s",
    )
    assert manifests.config().metrics_port == 9100
    assert service["metadata"]["annotations"] == {"prometheus.io/scrape": "false"}


def test_metrics_off(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("metrics: {enabled: false, serviceMonitor: {enabled: true}}\n")
    manifests = render(values)
    assert manifests.config().metrics_port == 0
    assert not manifests.of("Service")
    assert not manifests.of("ServiceMonitor")
    assert "metrics" not in {p["name"] for p in manifests.container["ports"]}
