"""The embedded Kubernetes API in this process, with the sandbox's user verbs on top.

Tests talk to it over HTTP with the official client, as ``kubectl`` would; ``cluster.kube`` gives
the API server's own counters and faults.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kubernetes import client as k8s
from kubernetes import config as k8s_config

from instance_operator.kubeapi import KubeAPI
from instance_operator.sandbox import cluster as sandbox
from instance_operator.sandbox import example, wait_for

__all__ = ["CLOUD", "SECRET", "Cluster", "example", "running_cluster", "wait_for"]

SECRET = "openstack-credentials"
CLOUD = "mycloud"


class Cluster(sandbox.Cluster):
    def __init__(self, kube: KubeAPI, kubeconfig: Path, namespace: str = "default") -> None:
        configuration = k8s.Configuration()
        k8s_config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
        super().__init__(k8s.ApiClient(configuration), namespace)
        self.kube = kube
        self.kubeconfig = kubeconfig


@contextmanager
def running_cluster(tmp: Path) -> Iterator[Cluster]:
    with KubeAPI().running() as kube:
        kubeconfig = tmp / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        cluster = Cluster(kube, kubeconfig)
        cluster.apply_crd()
        yield cluster
