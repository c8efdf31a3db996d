"""``instance-operator run``: start the operator (kopf plus the controller) against a cluster."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    from instance_operator.controller.config import add_arguments

    parser = subparsers.add_parser(
        "run",
        help="run the operator",
        description=(
            "Run the operator against the cluster of the current kubeconfig context (or the"
            " in-cluster service account). Watches all namespaces unless --namespace is given."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(func=run, usage_error=parser.error)


def run(args: argparse.Namespace) -> int:
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    from instance_operator.controller.config import InvalidSetting, from_arguments
    from instance_operator.controller.kopf_side.assembly import build_operator
    from instance_operator.controller.telemetry.log_setup import configure

    usage_error: Callable[[str], NoReturn] = args.usage_error
    try:
        config = from_arguments(args)
    except InvalidSetting as exc:
        usage_error(str(exc))  # exits 2 after the usage line, as a flag of the wrong type does
    configure(config.log_level, config.log_format)
    try:
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            k8s_config.load_incluster_config()  # type: ignore[no-untyped-call]
        else:
            k8s_config.load_kube_config()  # type: ignore[no-untyped-call]
    except k8s_config.ConfigException as exc:
        print(
            f"instance-operator run: no cluster to run against: {str(exc).rstrip('.')}. Set KUBECONFIG or"
            " ~/.kube/config (its current context is used), or run in a pod.",
            file=sys.stderr,
        )
        return 1
    build_operator(config, k8s.ApiClient()).run()
    return 0
