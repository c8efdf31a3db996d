"""The ``instance-operator`` command: one entry point, one module per subcommand.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed namespace and returning the exit code. Subcommand
modules import heavy dependencies (kopf, aiohttp) inside ``func``, so ``--help`` and the
quick commands stay fast.

The development kit's commands (``demo``, ``simulator``, ``kube-api``) exist only in a source
checkout: the wheel and the image leave their packages out. Installed without them, each still
answers, with one line saying where to run it and exit code 2, instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from instance_operator import __version__
from instance_operator.api import crd_command
from instance_operator.controller.kopf_side import run_command
from instance_operator.openstack import check_cloud

SUBCOMMANDS: list[ModuleType] = [crd_command, run_command, check_cloud]
#: The development kit's commands: their modules, and the ``make`` target a checkout runs.
DEVKIT = {
    "kube-api": ("instance_operator.kubeapi.command", "make test"),
    "simulator": ("instance_operator.simulator.command", "make test"),
    "demo": ("instance_operator.demo.command", "make demo"),
}


def _register_devkit(subparsers: argparse._SubParsersAction[Any]) -> None:
    for name, (module_name, target) in DEVKIT.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if not (missing.name or "").startswith(module_name.rsplit(".", 1)[0]):
                raise  # the module is there but one of its own imports is broken
            _register_absent(subparsers, name, target)
        else:
            module.register(subparsers)


def _register_absent(subparsers: argparse._SubParsersAction[Any], name: str, target: str) -> None:
    # No option of its own (not even -h): whatever follows gets the same one-line answer.
    parser = subparsers.add_parser(
        name, help="(development kit: source checkout only)", prefix_chars="+", add_help=False
    )
    parser.add_argument("ignored", nargs="*", help=argparse.SUPPRESS)

    def absent(_: argparse.Namespace) -> int:
        print(
            f"instance-operator {name}: part of the development kit, which only a source checkout"
            f" has (the package and the image leave it out); clone the repository and run"
            f" `{target}` there.",
            file=sys.stderr,
        )
        return 2

    parser.set_defaults(func=absent)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="instance-operator",
        description="Run OpenStack servers as Kubernetes Instance resources.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(subparsers)
    _register_devkit(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
