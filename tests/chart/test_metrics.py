"""The metrics port, its Service and the optional ServiceMonitor line up with the pod; the optional
PrometheusRule holds docs/metrics.md's alerts, valid PromQL over metrics the operator serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import promql_parser
import yaml

from instance_operator.controller.telemetry.metrics import Metrics
from instance_operator.controller.workqueue import QueueStats
from tests.chart.helm import NAMESPACE, ROOT, render

#: The PrometheusRule fields the chart uses, after the Prometheus Operator CRD's Rule and
#: RuleGroup (strict here: a misspelt field would be dropped by the API server unseen).
RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["groups"],
    "additionalProperties": False,
    "properties": {
        "groups": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "rules"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "rules": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["alert", "expr"],
                            "additionalProperties": False,
                            "properties": {
                                "alert": {"type": "string", "pattern": "^[a-zA-Z_][a-zA-Z0-9_]*$"},
                                "expr": {"type": "string", "minLength": 1},
                                "for": {"type": "string"},
                                "labels": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                                "annotations": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}


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


def documented_alerts() -> dict[str, dict[str, Any]]:
    """The rule file in docs/metrics.md, by alert name."""
    page = (ROOT / "docs" / "metrics.md").read_text()
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", page, re.DOTALL) if "alert:" in b]
    return {
        rule["alert"]: rule for group in yaml.safe_load(block)["groups"] for rule in group["rules"]
    }


def served_metrics() -> set[str]:
    """Names of the series the operator's registry exposes, as PromQL selects them."""
    metrics = Metrics()
    metrics.watch_state(lambda: [], lambda: [], lambda: QueueStats(0, 0.0))
    names: set[str] = set()
    for family in metrics.registry.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}
        names.update(family.name + suffix for suffix in suffixes.get(family.type, [""]))
    return names


def selected_metrics(expr: promql_parser.Expr) -> set[str]:
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(expr, visit)
    return names


def test_no_prometheus_rule_by_default() -> None:
    assert not render().of("PrometheusRule")


def test_prometheus_rule_holds_the_documented_alerts() -> None:
    """Every alert of docs/metrics.md is in the chart's rule, word for word, and no other."""
    rule = render("prometheusrule").one("PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["namespace"] == NAMESPACE
    assert rule["metadata"]["labels"]["release"] == "prometheus"
    assert rule["metadata"]["labels"]["app.kubernetes.io/name"] == "instance-operator"
    jsonschema.Draft7Validator(RULE_SCHEMA).validate(rule["spec"])
    shipped = [r for group in rule["spec"]["groups"] for r in group["rules"]]
    assert {r["alert"]: r for r in shipped} == documented_alerts()
    assert len(shipped) == len(documented_alerts())


def test_alert_expressions_are_promql_over_served_metrics() -> None:
    """Each expr parses (names, types, functions checked as Prometheus does) and selects only
    series the operator serves; each ``for`` is a Prometheus duration."""
    served = served_metrics()
    rules = render("prometheusrule").one("PrometheusRule")["spec"]["groups"][0]["rules"]
    for rule in rules:
        expr = promql_parser.parse(rule["expr"])
        assert selected_metrics(expr) <= served, rule["alert"]
        assert promql_parser.parse_duration(rule["for"]).total_seconds() > 0, rule["alert"]


def test_prometheus_rule_needs_metrics(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("metrics: {enabled: false, prometheusRule: {enabled: true}}\n")
    assert not render(values).of("PrometheusRule")
