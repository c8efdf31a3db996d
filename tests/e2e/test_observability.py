"""The operator process as a platform team watches it: Prometheus metrics scraped during a run,
and JSON logs that name the Instance, its server and Nova's request ID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from instance_operator import __version__
from instance_operator.sandbox import Box, OperatorFlags, Sandbox, example, example_cloud
from instance_operator.simulator.config import Durations
from tests.e2e.support import Samples, free_port, scrape, sum_of

PORT = free_port()
#: Low enough that requests to one endpoint queue (a lookup and the create, fast polls 0.2 s
#: apart), so the rate-limit metrics have something to show.
RATE = 4


@dataclass(frozen=True)
class ThrottledFlags(OperatorFlags):
    def argv(self) -> list[str]:
        return [*super().argv(), "--openstack-rate-limit", str(RATE)]


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    flags = ThrottledFlags(metrics_port=PORT, log_format="json")
    cloud = example_cloud(Durations(build=0.3, reboot=0.2))
    workdir = tmp_path_factory.mktemp("observability")
    with Sandbox(simulator=cloud, operator=flags, workdir=workdir).running() as running:
        yield running


def samples() -> Samples:
    return scrape(PORT)


def total(name: str, scraped: Samples | None = None, **labels: str) -> float:
    """The sum of ``name``'s samples with these labels, from ``scraped`` or a fresh scrape."""
    return sum_of(name, samples() if scraped is None else scraped, **labels)


def test_metrics_are_scraped_during_a_run(box: Box) -> None:
    instance = example("instance-minimal.yaml")
    instance["spec"]["networks"] = [{"name": "private"}]
    box.cluster.create(instance)
    box.cluster.wait_ready("web-1")
    box.cluster.annotate("web-1", "reboot", "scrape")
    box.cluster.wait_action("web-1", "reboot", "scrape")
    box.cluster.wait(
        "the Instance to count as Active",
        lambda: total("instance_operator_instances", phase="Active") == 1,
    )
    assert total("instance_operator_actions_total", action="reboot", result="Succeeded") == 1
    assert (
        total(
            "instance_operator_openstack_requests_total",
            service="compute",
            method="POST",
            path="servers",
        )
        == 1
    )
    assert total("instance_operator_reconciles_total", result="ok") >= 1
    assert total("instance_operator_watcher_polls_total", result="ok") >= 1
    assert 0 <= total("instance_operator_watcher_lag_seconds") < 30


def test_rate_limit_and_poll_duration_are_scraped(box: Box) -> None:
    box.cluster.wait_ready("web-1")
    scraped = samples()  # one scrape, so the figures below agree with each other
    compute = total("instance_operator_openstack_requests_total", scraped, service="compute")
    waits = total("instance_operator_openstack_rate_limit_waits_total", scraped, service="compute")
    waited = total(
        "instance_operator_openstack_rate_limit_wait_seconds_total", scraped, service="compute"
    )
    assert 1 <= waits <= compute  # counted as a request, then as a wait
    # Turns are 1/RATE apart and 8 requests may queue at once: no request waits near 5 s.
    assert 0 < waited < 5 * waits
    assert waited >= 1 / RATE / 2, "nothing waited for a turn, though requests queued"

    polls = total("instance_operator_watcher_polls_total", scraped)
    count = total("instance_operator_watcher_poll_duration_seconds_count", scraped)
    seconds = total("instance_operator_watcher_poll_duration_seconds_sum", scraped)
    infinite = total("instance_operator_watcher_poll_duration_seconds_bucket", scraped, le="+Inf")
    assert count >= 1
    assert count == infinite
    # A poll is counted, then timed: a scrape in between sees it in one and not yet the other.
    assert 0 <= polls - count <= 1
    assert (
        total("instance_operator_watcher_poll_duration_seconds_count", scraped, kind="changes") >= 1
    )
    # Milliseconds against the simulator, plus a turn of the rate limit.
    assert 0 < seconds / count < 5


def test_json_logs_name_the_instance_its_server_and_the_request(box: Box) -> None:
    box.cluster.wait_ready("web-1")
    lines = [
        json.loads(line) for line in box.operator.log_text().splitlines() if line.startswith("{")
    ]
    assert lines, "no JSON log lines"
    created: list[dict[str, Any]] = [
        line for line in lines if str(line.get("message", "")).startswith("Created server")
    ]
    assert created
    line = created[0]
    assert line["object"]["name"] == "web-1"
    assert line["object"]["namespace"] == box.cluster.namespace
    assert line["server_id"] == box.cluster.status("web-1")["serverID"]
    assert str(line["request_id"]).startswith("req-")
    assert {"timestamp", "severity"} <= line.keys()


def test_the_standard_collectors_and_the_work_queue_are_scraped(box: Box) -> None:
    """The real process, not a registry in the test: Prometheus' process and Python collectors,
    the build info, and the work queue's gauges fed by the running queue."""
    scraped = samples()
    names = {name for name, _ in scraped}
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes"} <= names
    assert "python_info" in names
    assert total("instance_operator_build_info", scraped, version=__version__) == 1
    assert total("instance_operator_workqueue_depth", scraped) >= 0
    assert total("instance_operator_workqueue_oldest_item_age_seconds", scraped) >= 0
    assert {
        "instance_operator_workqueue_depth",
        "instance_operator_workqueue_oldest_item_age_seconds",
    } <= names
