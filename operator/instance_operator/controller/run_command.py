"""``instance-operator run``: start the operator (kopf plus the controller) against a cluster."""

from __future__ import annotations

import argparse
import os
import random
import socket
from typing import Any


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import kopf
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config
    from kubernetes.client.exceptions import ApiException

    from instance_operator.controller.config import from_arguments
    from instance_operator.controller.handlers import build_registry, settings
    from instance_operator.controller.kube import Kube
    from instance_operator.controller.peering import ActivityGate
    from instance_operator.controller.runtime import Controller, read_peering

    config = from_arguments(args)
    kopf.configure(
        debug=config.log_level == "debug",
        verbose=config.log_level == "debug",
        quiet=config.log_level in ("warning", "error"),
        log_format=kopf.LogFormat.JSON if config.log_format == "json" else kopf.LogFormat.FULL,
    )
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        k8s_config.load_incluster_config()  # type: ignore[no-untyped-call]
    else:
        k8s_config.load_kube_config()  # type: ignore[no-untyped-call]
    api = k8s.ApiClient()
    api.configuration.connection_pool_maxsize = max(4, config.workers * 2)

    identity = f"{socket.gethostname()}-{os.getpid()}"
    priority = random.randint(1, 2**30)  # noqa: S311 (an election tie-breaker, not a secret)
    kube = Kube(api, reporting_instance=identity)
    gate: ActivityGate | None = None
    controller: Controller | None = None
    if not config.standalone:
        reader = read_peering(
            k8s.CustomObjectsApi(api), name=config.peering_name, namespaces=config.namespaces
        )

        def read_or_standalone() -> list[Any]:
            try:
                return reader()
            except ApiException as exc:
                if exc.status == 404:  # no peering object: kopf runs standalone, and so do we
                    return []
                raise

        gate = ActivityGate(
            read_or_standalone,
            identity=identity,
            priority=priority,
            became_active=lambda: controller.became_active() if controller else None,
        )
    controller = Controller(config, kube, gate=gate)
    kopf.run(
        registry=build_registry(controller),
        settings=settings(
            peering_name=config.peering_name, priority=priority, standalone=config.standalone
        ),
        standalone=config.standalone,
        clusterwide=not config.namespaces,
        namespaces=list(config.namespaces),
        liveness_endpoint=config.liveness,
        identity=identity,  # type: ignore[arg-type]  # kopf's Identity: a NewType of str it does not export
    )
    return 0
