"""Metrics scraped over HTTP during a run, and what the logs say (and never say)."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from instance_operator.controller.runtime import Controller
from instance_operator.controller.telemetry.log_setup import ServerSuffix
from instance_operator.controller.telemetry.metrics import Metrics
from instance_operator.openstack.metrics import RequestSample
from instance_operator.simulator import Simulator
from tests.controller.test_lifecycle import web
from tests.support.cluster import Cluster, wait_for
from tests.support.operator_thread import FAST, operator_running

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def metrics_port(cluster: Cluster) -> Iterator[int]:
    port = free_port()
    with operator_running(cluster.kubeconfig, FAST.model_copy(update={"metrics_port": port})):
        yield port


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return sum(
        v for (n, ls), v in samples.items() if n == name and labels.items() <= dict(ls).items()
    )


def test_metrics_during_a_run(cluster: Cluster, sim: Simulator, metrics_port: int) -> None:
    cluster.create(web())
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "reboot", "m1")
    cluster.wait_action("web-1", "reboot", "m1")
    wait_for(
        "the Instance to count as Active",
        lambda: value(scrape(metrics_port), "instance_operator_instances", phase="Active") == 1,
    )
    samples = scrape(metrics_port)
    assert value(samples, "instance_operator_instances", phase="Building") == 0
    assert (
        value(samples, "instance_operator_reconciles_total", handler="reconcile", result="ok") >= 1
    )
    assert (
        value(samples, "instance_operator_reconcile_duration_seconds_count", handler="reconcile")
        >= 1
    )
    assert (
        value(
            samples,
            "instance_operator_openstack_requests_total",
            service="compute",
            method="POST",
            path="servers",
            code="202",
        )
        == 1
    )
    assert (
        value(
            samples, "instance_operator_openstack_request_duration_seconds_count", service="compute"
        )
        >= 3
    )
    assert (
        value(samples, "instance_operator_actions_total", action="reboot", result="Succeeded") == 1
    )
    assert value(samples, "instance_operator_watcher_polls_total", kind="full", result="ok") >= 1
    lags = [v for (n, _), v in samples.items() if n == "instance_operator_watcher_lag_seconds"]
    assert lags
    assert all(0 <= lag < 10 for lag in lags)
    labels = {v for (_, ls) in samples for _, v in ls}
    assert not any(UUID.search(label) for label in labels), "IDs must not become labels"


def test_log_lines_name_the_instance_and_hide_secrets(
    cluster: Cluster, sim: Simulator, operator: Controller, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    created = [r for r in caplog.records if r.getMessage().startswith("Created server")]
    assert created
    assert created[0].k8s_ref["name"] == "web-1"  # type: ignore[attr-defined]
    assert created[0].server_id == server_id  # type: ignore[attr-defined]
    assert created[0].request_id.startswith("req-")  # type: ignore[attr-defined]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "X-Auth-Token" in text  # the client's debug lines are there ...
    assert "password: admin" not in text
    assert '"password": "admin"' not in text
    tokens = list(re.findall(r"X-Auth-Token': '([^']*)'", text))
    assert tokens
    assert set(tokens) == {"***"}


def test_every_call_that_changes_a_server_is_logged_with_its_ids(
    cluster: Cluster, sim: Simulator, operator: Controller, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.annotate("web-1", "reboot", "r1")
    assert cluster.wait_action("web-1", "reboot", "r1")["result"] == "Succeeded"
    cluster.delete("web-1")
    cluster.wait_gone("web-1")

    def line(starts: str) -> logging.LogRecord:
        found = [r for r in caplog.records if r.getMessage().startswith(starts)]
        assert found, f"no line starting {starts!r}"
        return found[0]

    for record in (line("Asked Nova to reboot server"), line("Deleting server")):
        assert record.server_id == server_id  # type: ignore[attr-defined]
        assert record.request_id.startswith("req-")  # type: ignore[attr-defined]
        assert record.request_id in record.getMessage()  # type: ignore[attr-defined]
        assert record.k8s_ref["name"] == "web-1"  # type: ignore[attr-defined]


def test_text_lines_name_the_server_they_are_about() -> None:
    inner = logging.Formatter("%(message)s")
    formatter = ServerSuffix(inner)
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "ServerError: in ERROR", (), None)
    assert formatter.format(record) == "ServerError: in ERROR"
    record.server_id = "5f1c"
    assert formatter.format(record) == "ServerError: in ERROR (server 5f1c)"
    named = logging.LogRecord("x", logging.INFO, __file__, 1, "Created server 5f1c", (), None)
    named.server_id = "5f1c"
    assert formatter.format(named) == "Created server 5f1c"


def test_each_retried_attempt_counts_as_a_request() -> None:
    metrics = Metrics()
    sample = RequestSample("compute", "GET", "servers/detail", 200, 1.2, (503, None), 0.0)
    metrics.on_request(sample)
    counted = {
        s.labels["code"]: s.value
        for family in metrics.registry.collect()
        if family.name == "instance_operator_openstack_requests"
        for s in family.samples
        if s.name.endswith("_total")
    }
    assert counted == {"503": 1.0, "none": 1.0, "200": 1.0}
