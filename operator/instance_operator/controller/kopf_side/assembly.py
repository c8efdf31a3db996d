"""Assemble and run the operator: the Kubernetes client, the controller, the activity gate, kopf.

``instance-operator run`` builds and runs an :class:`Operator` after loading a kubeconfig; the
tests do the same on a thread, against the embedded Kubernetes API, so what is tested is what runs.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import threading
from dataclasses import dataclass

import kopf
from kubernetes import client as k8s

from instance_operator.controller.config import OperatorConfig
from instance_operator.controller.kopf_side.handlers import build_registry, settings
from instance_operator.controller.kopf_side.peering import ActivityGate
from instance_operator.controller.kube import Kube
from instance_operator.controller.runtime import Controller, read_peering
from instance_operator.controller.telemetry.metrics import Metrics

Flag = asyncio.Event | threading.Event


def build_controller(
    config: OperatorConfig,
    api: k8s.ApiClient,
    *,
    identity: str,
    priority: int,
    metrics: Metrics | None,
) -> Controller:
    kube = Kube(api, reporting_instance=identity)
    if config.standalone:
        return Controller(config, kube, telemetry=metrics, openstack_metrics=metrics)
    reader = read_peering(
        k8s.CustomObjectsApi(api), name=config.peering_name, namespaces=config.namespaces
    )
    holder: list[Controller] = []
    gate = ActivityGate(
        reader,
        identity=identity,
        priority=priority,
        became_active=lambda: holder[0].became_active() if holder else None,
    )
    controller = Controller(config, kube, gate=gate, telemetry=metrics, openstack_metrics=metrics)
    holder.append(controller)
    return controller


@dataclass
class Operator:
    config: OperatorConfig
    controller: Controller
    api: k8s.ApiClient
    identity: str
    priority: int

    def run(
        self,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        stop_flag: Flag | None = None,
        ready_flag: Flag | None = None,
    ) -> None:
        """Run until stopped: a signal (on the main thread), or ``stop_flag``."""
        config = self.config
        kopf.run(
            loop=loop,
            registry=build_registry(self.controller, self.api.configuration),
            settings=settings(
                peering_name=config.peering_name,
                peering_lifetime=config.peering_lifetime,
                priority=self.priority,
                standalone=config.standalone,
            ),
            standalone=config.standalone,
            clusterwide=not config.namespaces,
            namespaces=list(config.namespaces),
            liveness_endpoint=config.liveness,
            identity=self.identity,  # type: ignore[arg-type]  # kopf's Identity: a NewType of str it does not export
            stop_flag=stop_flag,
            ready_flag=ready_flag,
        )


def build_operator(config: OperatorConfig, api: k8s.ApiClient) -> Operator:
    api.configuration.connection_pool_maxsize = max(4, config.workers * 2)
    identity = f"{socket.gethostname()}-{os.getpid()}-{random.randrange(16**6):06x}"  # noqa: S311
    priority = random.randint(1, 2**30)  # noqa: S311 (an election tie-breaker, not a secret)
    metrics = Metrics() if config.metrics_port else None
    controller = build_controller(
        config, api, identity=identity, priority=priority, metrics=metrics
    )
    if metrics is not None:
        metrics.watch_state(controller.phases, controller.watcher_lags, controller.queue.stats)
        metrics.serve(config.metrics_port)
    return Operator(config, controller, api, identity, priority)
