"""``instance-operator demo``: see :mod:`instance_operator.demo`."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="show the operator at work against a simulated cloud (about a minute)",
        description=(
            "Start the OpenStack simulator, a Kubernetes API and the operator on this machine;"
            " apply the examples, start, stop, reboot and snapshot them, delete them; show it all"
            " live, then stop everything. With KUBECONFIG set, that cluster is used instead of"
            " an embedded API: the demo applies the CRD there and works in the namespace"
            " instance-operator-demo, which it removes again if it created it."
            " Exits 1 if a step does not reach its expected state."
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import signal
    import sys

    from instance_operator.demo.runner import run_demo

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # stopped like Ctrl-C: everything is torn down
    return run_demo(sys.stdout, os.environ.get("KUBECONFIG") or None)
