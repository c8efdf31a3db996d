"""`make bench`: the real operator process against the embedded Kubernetes API and the simulator.

Creates N Instances at once (default 1,000; ``N=10000`` works), waits until all are Ready, then
watches the steady state for several poll intervals, and prints one JSON object:

- time until all are Ready, and p50/p99 of create-to-Ready (each Instance from the moment its
  create returned to the moment a watch saw it Ready);
- Nova requests in total and per poll interval in steady state (one credential scope);
- Kubernetes requests in total and per Instance, and writes per Instance from apply to Ready:
  to the Instance object (mean, and the most any one Instance took, from the embedded API's
  per-object write counts), Events posted, and both together (the target counts both);
- the operator's peak RSS and CPU seconds (from /proc), and the CPU seconds of each process of
  the run (the stand-ins and the bench share the machine's cores with the operator);
- whether the configured OpenStack rate limit held, as the simulator counted it;
- each target and whether it was met.

Every knob is an environment variable: N, LATENCY (seconds per OpenStack request, 0.02), BUILD
(seconds a server takes to build, 3), POLL (the operator's poll interval, 10), INTERVALS (steady-
state intervals measured, 5), RATE (OpenStack requests/s allowed, 200), WORKERS (32), WORKDIR (keep
the logs there), LOG_LEVEL (the operator's, info), and TIMING_TARGETS: ``gate`` (default) exits
non-zero on any missed target; ``report`` still prints the create-to-Ready target and whether it
was met, but exits non-zero only on the targets that do not depend on the machine's speed (Nova
and Kubernetes requests, memory, the rate limit, all Ready). CI uses ``report``: its machine is
slower per core than the one the latency target was set on (docs/performance.md).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import watch

from instance_operator.api import names
from instance_operator.sandbox import OperatorFlags, Sandbox, example, example_cloud
from instance_operator.simulator.config import Durations

N = int(os.environ.get("N", "1000"))
LATENCY = float(os.environ.get("LATENCY", "0.02"))
BUILD = float(os.environ.get("BUILD", "3"))
POLL = float(os.environ.get("POLL", "10"))
INTERVALS = int(os.environ.get("INTERVALS", "5"))
RATE = float(os.environ.get("RATE", "200"))
WORKERS = int(os.environ.get("WORKERS", "32"))
#: Keep the sandbox's logs here (for a look at what happened); a temporary directory otherwise.
WORKDIR = Path(os.environ["WORKDIR"]) if os.environ.get("WORKDIR") else None
LOG_LEVEL = os.environ.get("LOG_LEVEL", "info")
TIMING_TARGETS = os.environ.get("TIMING_TARGETS", "gate")
if TIMING_TARGETS not in ("gate", "report"):
    sys.exit(f"TIMING_TARGETS must be 'gate' or 'report', not {TIMING_TARGETS!r}")
#: Targets on wall-clock latency: met or missed depending on the machine's speed.
TIMING = frozenset({"p99_le_build_plus_15s"})
NAMESPACE = "bench"


@dataclass(frozen=True)
class BenchFlags(OperatorFlags):
    """The production cadences, with the bench's rate limit and workers (later flags win)."""

    def argv(self) -> list[str]:
        return [
            *super().argv(),
            "--openstack-rate-limit",
            f"{RATE:g}",
            "--openstack-concurrency",
            str(WORKERS),
            "--workers",
            str(WORKERS),
        ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def sandbox_cpu_seconds() -> dict[str, float]:
    """CPU seconds of this bench and of each process the sandbox launched, by role.

    The launcher's command line is ``-m instance_operator.sandbox.launcher PARENT_PID ROLE ...``.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    found = {"bench": usage.ru_utime + usage.ru_stime}
    mine = [b"instance_operator.sandbox.launcher", str(os.getpid()).encode()]
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0") if proc.name.isdigit() else []
            if len(argv) > 4 and argv[2:4] == mine:
                role = argv[4].decode()
                found["operator" if role == "run" else role] = cpu_seconds(int(proc.name))
        except OSError:
            continue  # gone meanwhile
    return {role: round(seconds, 1) for role, seconds in sorted(found.items())}


class ReadyWatch:
    """Records when each Instance is first seen Ready, from a watch (not from polling)."""

    def __init__(self, box: Any) -> None:
        self.ready_at: dict[str, float] = {}
        self._box = box
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        custom = self._box.cluster.custom
        while not self._stop.is_set():
            stream = watch.Watch()
            for event in stream.stream(
                custom.list_namespaced_custom_object,
                names.GROUP,
                names.VERSION,
                NAMESPACE,
                names.PLURAL,
                timeout_seconds=30,
            ):
                obj = event["object"]
                name = obj["metadata"]["name"]
                conditions = (obj.get("status") or {}).get("conditions") or []
                if name not in self.ready_at and any(
                    c["type"] == "Ready" and c["status"] == "True" for c in conditions
                ):
                    self.ready_at[name] = time.monotonic()
                if self._stop.is_set():
                    stream.stop()
                    break


def instance(index: int) -> dict[str, Any]:
    obj = example("instance-minimal.yaml")
    obj["metadata"] = {"name": f"bench-{index:05d}"}
    obj["spec"]["networks"] = [{"name": "private"}]
    return obj


def main() -> int:
    cloud = example_cloud(Durations(build=BUILD), faults={"latency": LATENCY})
    flags = BenchFlags(
        namespaces=(NAMESPACE,),
        poll_interval=POLL,
        fast_poll_interval=2.0,
        resync_interval=600.0,
        secret_poll_interval=15.0,
        user_error_retry=300.0,
        log_level=LOG_LEVEL,
    )
    with Sandbox(
        simulator=cloud, namespace=NAMESPACE, operator=flags, workdir=WORKDIR
    ).running() as box:
        watcher = ReadyWatch(box)
        watcher.start()
        created_at: dict[str, float] = {}

        def create(index: int) -> None:
            obj = instance(index)
            box.cluster.create(obj)
            created_at[obj["metadata"]["name"]] = time.monotonic()

        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(create, range(N)))
        applied = time.monotonic() - started
        deadline = started + 1800
        while len(watcher.ready_at) < N and time.monotonic() < deadline:
            box.operator.check()
            time.sleep(0.5)
        all_ready = time.monotonic() - started
        ready = len(watcher.ready_at)
        latencies = [
            watcher.ready_at[n] - created_at[n] for n in watcher.ready_at if n in created_at
        ]
        kube_at_ready = box.kube.counters.snapshot()
        nova_at_ready = box.sim.counters.count(service="compute")

        time.sleep(2 * POLL)  # let the last transitions settle before measuring the steady state
        before = box.sim.counters.count(service="compute")
        time.sleep(INTERVALS * POLL)
        steady = (box.sim.counters.count(service="compute") - before) / INTERVALS
        watcher.stop()

        pid = box.operator.pid
        assert pid is not None
        rss, cpu = peak_rss_mb(pid), cpu_seconds(pid)
        cpu_by_process = sandbox_cpu_seconds()
        snapshot = box.sim.counters.snapshot()
        max_rps = max(snapshot.max_requests_per_second.values(), default=0)
        writes = [r for r in kube_at_ready["writes"] if r["resource"] == "instances"]
        instance_writes = sum(r["count"] for r in writes) - N  # minus the bench's own creates
        # Per object, so the worst Instance shows too (Events are counted per Event, not per
        # Instance they are about: their maximum is not known here).
        max_instance_writes = max((r["count"] - 1 for r in writes), default=0)
        event_writes = sum(
            r["count"]
            for r in kube_at_ready["requests"]
            if r["resource"] == "events" and r["verb"] == "create"
        )
        kube_total = sum(r["count"] for r in box.kube.counters.snapshot()["requests"])
        write_kinds = {
            f"{r['verb']} {r['resource']}{'/' + r['subresource'] if r['subresource'] else ''}": r[
                "count"
            ]
            for r in kube_at_ready["requests"]
            if r["resource"] == "instances" and r["verb"] in ("create", "patch", "update")
        }

    p99 = percentile(latencies, 0.99) if latencies else float("nan")
    result = {
        "settings": {
            "N": N,
            "latency_s": LATENCY,
            "build_s": BUILD,
            "poll_interval_s": POLL,
            "rate_limit_rps": RATE,
            "workers": WORKERS,
        },
        "ready": ready,
        "apply_seconds": round(applied, 2),
        "all_ready_seconds": round(all_ready, 2),
        "create_to_ready_p50_s": round(percentile(latencies, 0.5), 2) if latencies else None,
        "create_to_ready_p99_s": round(p99, 2),
        "create_to_ready_mean_s": round(statistics.fmean(latencies), 2) if latencies else None,
        "nova_requests_total": snapshot.count(service="compute"),
        "nova_requests_until_ready": nova_at_ready,
        "nova_requests_per_poll_interval_steady": round(steady, 2),
        "openstack_requests_total": snapshot.count(),
        "openstack_requests_by_path": {
            f"{r.method} {r.path}": sum(
                x.count for x in snapshot.requests if (x.method, x.path) == (r.method, r.path)
            )
            for r in snapshot.requests
        },
        "openstack_max_requests_per_second": max_rps,
        "kubernetes_requests_total": kube_total,
        "kubernetes_requests_per_instance": round(kube_total / N, 2),
        "kubernetes_instance_writes_per_instance_to_ready": round(instance_writes / N, 2),
        "kubernetes_instance_writes_max_per_instance_to_ready": max_instance_writes,
        "kubernetes_events_per_instance_to_ready": round(event_writes / N, 2),
        "kubernetes_writes_per_instance_to_ready": round((instance_writes + event_writes) / N, 2),
        "kubernetes_instance_writes_by_kind_to_ready": write_kinds,
        "operator_peak_rss_mb": round(rss, 1),
        "operator_cpu_seconds": round(cpu, 1),
        "cpu_seconds_by_process": cpu_by_process,
        "per_instance_polling_would_cost_per_interval": N,
    }
    # The issue sets every target at N=1,000; at 10,000 only the steady state and memory.
    result["targets"] = {
        "all_ready": ready == N,
        "steady_nova_per_interval_le_2": steady <= 2,
        f"peak_rss_le_{250 if N <= 1000 else 600}mb": rss <= (250 if N <= 1000 else 600),
        "rate_limit_held": max_rps <= RATE,
    }
    if N <= 1000:
        result["targets"]["p99_le_build_plus_15s"] = p99 <= BUILD + 15
        # Every write counts: to the Instance, and the Created Event.
        result["targets"]["kubernetes_writes_per_instance_le_4"] = (
            instance_writes + event_writes
        ) / N <= 4
    result["timing_targets"] = TIMING_TARGETS
    gated = {
        name: met
        for name, met in result["targets"].items()
        if TIMING_TARGETS == "gate" or name not in TIMING
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if all(gated.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
