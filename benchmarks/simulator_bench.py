"""Benchmark: list and detail pages of 1,000 servers out of 10,000, over HTTP.

Seeds the servers straight into the simulator's state (a quarter of them with ports, so the
detail view renders addresses and security groups), then walks every page of ``/servers`` and
``/servers/detail`` with a real HTTP client, following ``servers_links``, several rounds each.
Prints one JSON object. ``--process`` runs the simulator as a child process instead of in a
thread of this one.

    .venv/bin/python benchmarks/simulator_bench.py [--servers 10000] [--page 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from instance_operator.simulator import Simulator, SimulatorConfig
from instance_operator.simulator.remote import RemoteSimulator
from instance_operator.simulator.testing import SimulatorProcess

TIMEOUT = 60.0


@contextmanager
def running(in_process: bool) -> Iterator[Simulator | RemoteSimulator]:
    config = SimulatorConfig()
    if in_process:
        with Simulator(config).running() as sim:
            yield sim
    else:
        with SimulatorProcess(config).running() as remote:
            yield remote


def login(auth_url: str) -> tuple[requests.Session, str]:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"name": "Default"}, "password": "admin"}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
        }
    }
    session = requests.Session()
    response = session.post(f"{auth_url}/auth/tokens", json=body, timeout=TIMEOUT)
    response.raise_for_status()
    session.headers.update(
        {
            "X-Auth-Token": response.headers["X-Subject-Token"],
            "OpenStack-API-Version": "compute 2.90",
        }
    )
    catalog = response.json()["token"]["catalog"]
    compute = next(e for e in catalog if e["type"] == "compute")["endpoints"][0]["url"]
    return session, compute


def walk(session: requests.Session, first_url: str) -> tuple[list[float], int, int]:
    """Seconds per page (request to parsed body), servers seen, bytes received."""
    timings, seen, size = [], 0, 0
    url: str | None = first_url
    while url:
        started = time.perf_counter()
        response = session.get(url, timeout=TIMEOUT)
        body = response.json()
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
        seen += len(body["servers"])
        size += len(response.content)
        links = body.get("servers_links")
        url = links[0]["href"] if links else None
    return timings, seen, size


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "pages": len(ordered),
        "min_s": round(ordered[0], 4),
        "median_s": round(statistics.median(ordered), 4),
        "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 4),
        "max_s": round(ordered[-1], 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--process", action="store_true", help="run the simulator as a child process"
    )
    args = parser.parse_args(argv)

    result: dict[str, Any] = {
        "servers": args.servers,
        "page_size": args.page,
        "rounds": args.rounds,
    }
    with running(not args.process) as sim:
        started = time.perf_counter()
        networked = args.servers // 4
        sim.servers.create(networked, name="bench-net", project="admin", networks="auto")
        sim.servers.create(args.servers - networked, name="bench", project="admin")
        result["seed_s"] = round(time.perf_counter() - started, 3)
        session, compute = login(sim.auth_url)
        for kind, path in (("list", "/servers"), ("detail", "/servers/detail")):
            timings: list[float] = []
            for _ in range(args.rounds):
                pages, seen, size = walk(session, f"{compute}{path}?limit={args.page}")
                if seen != args.servers:
                    raise SystemExit(f"{kind}: saw {seen} servers, expected {args.servers}")
                timings += pages
            result[kind] = {**summary(timings), "bytes_per_page": size // max(1, len(pages))}
        session.close()
    result["mode"] = "process" if args.process else "thread"
    result["detail_page_under_1s"] = result["detail"]["max_s"] < 1.0
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
