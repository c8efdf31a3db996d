"""What a Prometheus scrape of the operator shows beyond its own counters: the standard process and
Python collectors, the build info, and the work queue's backlog."""

from __future__ import annotations

import platform
import threading
import time

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from instance_operator import __version__
from instance_operator.controller.telemetry.metrics import Metrics
from instance_operator.controller.workqueue import QueueStats, WorkQueue


def _samples(metrics: Metrics) -> dict[str, list[tuple[dict[str, str], float]]]:
    text = generate_latest(metrics.registry).decode()
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((sample.labels, sample.value))
    return out


def test_standard_collectors_and_build_info() -> None:
    metrics = Metrics()
    metrics.watch_state(lambda: [], lambda: [], lambda: QueueStats(depth=3, oldest_seconds=7.5))
    samples = _samples(metrics)
    for name in (
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
        "python_info",
        "python_gc_objects_collected_total",
    ):
        assert name in samples, name
    assert samples["instance_operator_build_info"] == [
        ({"version": __version__, "python": platform.python_version()}, 1.0)
    ]
    assert samples["instance_operator_workqueue_depth"] == [({}, 3.0)]
    assert samples["instance_operator_workqueue_oldest_item_age_seconds"] == [({}, 7.5)]


def test_queue_stats_count_waiting_keys_and_their_age() -> None:
    """One worker busy on ``a``: ``b`` and ``c`` wait, ``b`` the longest; an idle queue shows 0."""
    release = threading.Event()
    started = threading.Event()

    def process(key: str) -> None:
        started.set()
        release.wait(60)

    queue: WorkQueue[str] = WorkQueue(process, workers=1)
    queue.start()
    try:
        assert queue.stats() == QueueStats(depth=0, oldest_seconds=0.0)
        queue.add("a")
        assert started.wait(60)
        before = time.monotonic()
        queue.add("b")
        time.sleep(0.05)
        queue.add("c")
        queue.add("b")  # coalesced: still two waiting, b still the older
        stats = queue.stats()
        assert stats.depth == 2
        assert 0.05 <= stats.oldest_seconds <= time.monotonic() - before
        release.set()
        deadline = time.monotonic() + 60
        while queue.stats().depth and time.monotonic() < deadline:
            time.sleep(0.01)
        assert queue.stats() == QueueStats(depth=0, oldest_seconds=0.0)
    finally:
        release.set()
        queue.stop()
