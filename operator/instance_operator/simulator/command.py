"""``instance-operator simulator``: serve the simulated cloud until interrupted.

Prints the auth URL on stdout once it listens (the only line it prints), so a parent process
can read one line and go. Before that it writes a clouds.yaml for the seeded user (``./clouds.yaml``
unless ``--clouds-yaml`` says where), so ``openstack --os-cloud simulator`` works at once. A
clouds.yaml the simulator did not write is never overwritten: it may hold a user's real clouds.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "simulator",
        help="run a local OpenStack simulator (Keystone, Nova, Glance, Neutron)",
        description=(
            "Serve a simulated OpenStack on 127.0.0.1 until SIGINT/SIGTERM. Prints the auth URL "
            "when listening. Controls (faults, counters, servers) are under /_sim/."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port; 0 picks a free one (default)"
    )
    parser.add_argument(
        "--config", type=Path, help="simulator config YAML (seeds, durations, faults)"
    )
    parser.add_argument(
        "--clouds-yaml",
        type=Path,
        default=Path("clouds.yaml"),
        help="write a clouds.yaml pointing at the simulator here (default: ./clouds.yaml)",
    )
    parser.add_argument("--cloud-name", default="simulator", help="cloud name in the clouds.yaml")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from instance_operator.simulator.config import SimulatorConfig
    from instance_operator.simulator.runner import Simulator

    try:
        config = SimulatorConfig.from_yaml(args.config) if args.config else SimulatorConfig()
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"instance-operator simulator: bad --config: {exc}\n")
        return 2
    if not _ours_or_absent(args.clouds_yaml):
        sys.stderr.write(
            f"instance-operator simulator: {args.clouds_yaml} exists and was not written by the"
            " simulator; not overwriting it. Pass --clouds-yaml PATH to write elsewhere.\n"
        )
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Simulator(config, port=args.port).running() as sim:
        args.clouds_yaml.write_text(_HEADER + sim.clouds_yaml(args.cloud_name))
        sys.stderr.write(f"Wrote {args.clouds_yaml} (cloud {args.cloud_name!r}).\n")
        sys.stdout.write(sim.auth_url + "\n")
        sys.stdout.flush()
        stop.wait()
    return 0


_HEADER = "# Written by `instance-operator simulator`; rewritten each time it starts.\n"


def _ours_or_absent(path: Path) -> bool:
    try:
        with path.open() as existing:
            return existing.readline() == _HEADER
    except FileNotFoundError:
        return True
