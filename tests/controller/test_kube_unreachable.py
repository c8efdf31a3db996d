"""The Kubernetes API unreachable mid-reconcile (an API server restarting refuses connections):
the Instance is retried within seconds, as after a refused write, not as a crash."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from kubernetes import config as k8s_config

from instance_operator.api import names
from instance_operator.controller.kube import Kube
from instance_operator.controller.runtime import Controller
from instance_operator.kubeapi import KubeAPI
from tests.support.cluster import example, wait_for
from tests.support.operator_thread import FAST


def refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except ConnectionRefusedError:
        return True
    return False


def test_an_unreachable_api_is_retried_within_seconds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with KubeAPI().running() as kube:
        api = k8s_config.new_client_from_config(str(kube.write_kubeconfig(tmp_path / "kc")))  # type: ignore[no-untyped-call]
        controller = Controller(FAST, Kube(api, reporting_instance="test"))
        instance = example("instance-minimal.yaml")
        instance["metadata"].update(
            namespace="default", uid="uid-1", generation=1, finalizers=[names.FINALIZER]
        )
        view = controller.registry.update(instance)
        kube.faults.inject("down", seconds=300)
        wait_for("the API server to be down", lambda: refused(kube.url), 30)

        with caplog.at_level(logging.WARNING):
            delay = controller._process(view.uid)  # reads the Secret, writes status: both fail
        api.close()

    assert delay is not None
    assert 1.0 <= delay <= 3.0
    assert "Kubernetes API: not reachable" in caplog.text
