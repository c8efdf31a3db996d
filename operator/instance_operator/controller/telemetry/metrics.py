"""The Prometheus exporter: ``/metrics`` on ``--metrics-port``.

Every label value is bounded: handler and result names, OpenStack service, method, *path template*
and status code, action kinds, phases, and credential scopes (a handful per cluster). Server IDs
and Instance names never become labels; they belong in logs and Events.

The registry is our own (tests build many exporters in one process), so the collectors the default
registry would bring are added to it by hand: ``process_*``, ``python_info`` and ``python_gc_*``,
which every Prometheus dashboard for a Python service expects.
"""

from __future__ import annotations

import platform
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from instance_operator import __version__
from instance_operator.api.models import ActionResult, Phase
from instance_operator.api.names import Action
from instance_operator.controller.observe.scope_watcher import PollStats
from instance_operator.controller.workqueue import QueueStats
from instance_operator.openstack.metrics import RequestSample

#: Buckets for OpenStack calls and reconciles: from a fast GET to a slow create under load.
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Implements the controller's :class:`Telemetry` and the client's ``MetricsHook``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        Info(
            "instance_operator_build",
            "The running operator's version and Python version; always 1.",
            registry=r,
        ).info({"version": __version__, "python": platform.python_version()})
        self.reconciles = Counter(
            "instance_operator_reconciles",
            "Reconcile passes by handler and result.",
            ["handler", "result"],
            registry=r,
        )
        self.reconcile_seconds = Histogram(
            "instance_operator_reconcile_duration_seconds",
            "Time of one reconcile pass.",
            ["handler"],
            buckets=SECONDS,
            registry=r,
        )
        self.requests = Counter(
            "instance_operator_openstack_requests",
            "OpenStack requests (each retried attempt too) by service, method, path template and"
            " status code (none: no answer).",
            ["service", "method", "path", "code"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "instance_operator_openstack_request_duration_seconds",
            "Latency of OpenStack requests, rate-limit waits and retries included.",
            ["service", "method", "path"],
            buckets=SECONDS,
            registry=r,
        )
        self.rate_limit_waits = Counter(
            "instance_operator_openstack_rate_limit_waits",
            "Requests that waited for the client-side rate limit, by service.",
            ["service"],
            registry=r,
        )
        self.rate_limit_wait_seconds = Counter(
            "instance_operator_openstack_rate_limit_wait_seconds",
            "Seconds spent waiting for the client-side rate limit, by service.",
            ["service"],
            registry=r,
        )
        self.actions = Counter(
            "instance_operator_actions",
            "Annotation actions finished, by action and result.",
            ["action", "result"],
            registry=r,
        )
        self.polls = Counter(
            "instance_operator_watcher_polls",
            "Polls of the shared watchers by scope, kind (full or changes) and result.",
            ["scope", "kind", "result"],
            registry=r,
        )
        self.poll_seconds = Histogram(
            "instance_operator_watcher_poll_duration_seconds",
            "Time of one watcher poll.",
            ["scope", "kind"],
            buckets=SECONDS,
            registry=r,
        )

    # --- Telemetry ------------------------------------------------------------------------------

    def reconciled(self, handler: str, result: str, seconds: float) -> None:
        self.reconciles.labels(handler, result).inc()
        self.reconcile_seconds.labels(handler).observe(seconds)

    def action_finished(self, action: Action, result: ActionResult) -> None:
        self.actions.labels(action.value, result.value).inc()

    def polled(self, stats: PollStats) -> None:
        kind = "full" if stats.full else "changes"
        self.polls.labels(stats.scope, kind, "ok" if stats.ok else "error").inc()
        self.poll_seconds.labels(stats.scope, kind).observe(stats.seconds)

    # --- the client's MetricsHook ---------------------------------------------------------------

    def on_request(self, sample: RequestSample) -> None:
        for status in (*sample.retried, sample.status):  # each attempt the service saw
            code = str(status) if status is not None else "none"
            self.requests.labels(sample.service, sample.method, sample.path_template, code).inc()
        self.request_seconds.labels(sample.service, sample.method, sample.path_template).observe(
            sample.seconds
        )
        if sample.rate_limit_wait > 0:
            self.rate_limit_waits.labels(sample.service).inc()
            self.rate_limit_wait_seconds.labels(sample.service).inc(sample.rate_limit_wait)

    # --- state read at scrape time --------------------------------------------------------------

    def watch_state(
        self,
        phases: Callable[[], Iterable[str | None]],
        lags: Callable[[], Iterable[tuple[str, float]]],
        queue: Callable[[], QueueStats],
    ) -> None:
        """Expose gauges computed when scraped: Instances by phase, each watcher's lag and the
        work queue's backlog."""
        self.registry.register(_StateCollector(phases, lags, queue))

    def serve(self, port: int) -> None:
        start_http_server(port, registry=self.registry)


class _StateCollector(Collector):
    def __init__(
        self,
        phases: Callable[[], Iterable[str | None]],
        lags: Callable[[], Iterable[tuple[str, float]]],
        queue: Callable[[], QueueStats],
    ) -> None:
        self._phases = phases
        self._lags = lags
        self._queue = queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = Tally(phase or "Unknown" for phase in self._phases())
        by_phase = GaugeMetricFamily(
            "instance_operator_instances", "Instances by status.phase.", labels=["phase"]
        )
        for phase in [*(p.value for p in Phase), "Unknown"]:
            by_phase.add_metric([phase], counts.get(phase, 0))
        yield by_phase
        lag = GaugeMetricFamily(
            "instance_operator_watcher_lag_seconds",
            "Seconds since the last successful poll of each credential scope.",
            labels=["scope"],
        )
        for scope, seconds in self._lags():
            lag.add_metric([scope], seconds)
        yield lag
        stats = self._queue()
        yield GaugeMetricFamily(
            "instance_operator_workqueue_depth",
            "Instances waiting for a reconcile worker.",
            value=stats.depth,
        )
        yield GaugeMetricFamily(
            "instance_operator_workqueue_oldest_item_age_seconds",
            "Seconds the longest-waiting Instance has waited for a reconcile worker; 0 if none.",
            value=stats.oldest_seconds,
        )
