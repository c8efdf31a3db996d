"""The ``instance-operator`` command: one entry point, one module per subcommand.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed namespace and returning the exit code. Subcommand
modules import heavy dependencies (kopf, aiohttp) inside ``func``, so ``--help`` and the
quick commands stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from instance_operator import __version__
from instance_operator.api import crd_command
from instance_operator.controller import run_command
from instance_operator.demo import command as demo_command
from instance_operator.kubeapi import command as kube_api_command
from instance_operator.openstack import check_cloud
from instance_operator.simulator import command as simulator_command

SUBCOMMANDS = [
    crd_command,
    run_command,
    check_cloud,
    kube_api_command,
    simulator_command,
    demo_command,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="instance-operator",
        description="Run OpenStack servers as Kubernetes Instance resources.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
