"""``instance-operator simulator``: serve the simulated cloud until interrupted.

Prints the auth URL on stdout once it listens (the only line it prints), so a parent process
can read one line and go; ``--clouds-yaml`` writes a clouds.yaml for the seeded user first.
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
        "--clouds-yaml", type=Path, help="write a clouds.yaml pointing at the simulator here"
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
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Simulator(config, port=args.port).running() as sim:
        if args.clouds_yaml:
            args.clouds_yaml.write_text(sim.clouds_yaml(args.cloud_name))
        sys.stdout.write(sim.auth_url + "\n")
        sys.stdout.flush()
        stop.wait()
    return 0
