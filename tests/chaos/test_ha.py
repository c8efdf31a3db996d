"""Two replicas with kopf peering: only one acts; SIGKILL it and the other takes over."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s

from instance_operator.sandbox import Box, OperatorFlags, OperatorProcess, Sandbox, example_cloud
from instance_operator.simulator.config import Durations
from tests.chaos.conftest import LOG_LEVEL, SCALE
from tests.chaos.nova_log import NovaLog, count, evidence
from tests.chaos.support import create_all, one_server_each, wait_all_ready, web

ROOT = Path(__file__).resolve().parents[2]
PEERING_CRDS = ROOT / "charts" / "instance-operator" / "crds" / "kopf-peering.yaml"
LIFETIME = 15


def install_peering(box: Box) -> None:
    """What the Helm chart installs for replicaCount > 1: kopf's CRDs and the peering object."""
    api = box.cluster.api
    extensions = k8s.ApiextensionsV1Api(api)
    for crd in yaml.safe_load_all(PEERING_CRDS.read_text()):
        extensions.create_custom_resource_definition(crd)
    custom = k8s.CustomObjectsApi(api)
    body = {
        "apiVersion": "kopf.dev/v1",
        "kind": "ClusterKopfPeering",
        "metadata": {"name": "instance-operator"},
    }
    box.cluster.wait(
        "the peering object to be created",
        lambda: _succeeds(
            lambda: custom.create_cluster_custom_object(
                "kopf.dev", "v1", "clusterkopfpeerings", body
            )
        ),
    )


def peers(box: Box) -> dict[str, Any]:
    custom = k8s.CustomObjectsApi(box.cluster.api)
    obj = custom.get_cluster_custom_object(
        "kopf.dev", "v1", "clusterkopfpeerings", "instance-operator"
    )
    return obj.get("status") or {}


def created_by(operator: OperatorProcess) -> int:
    return operator.log_text().count("] Created server ")


def test_one_replica_acts_and_the_other_takes_over(tmp_path: Path, report: dict[str, Any]) -> None:
    flags = OperatorFlags(
        standalone=False, peering_lifetime=LIFETIME, fast_poll_interval=0.3, log_level=LOG_LEVEL
    )
    cloud = example_cloud(Durations(build=0.5), faults={"latency": 0.005})
    with Sandbox(
        simulator=cloud, operator=flags, start_operator=False, workdir=tmp_path
    ).running() as box:
        assert box.sim is not None
        install_peering(box)
        first = box.operator
        second = OperatorProcess(box.kubeconfig, tmp_path / "operator-2.log", flags)
        first.start()
        second.start()
        try:
            box.cluster.wait(
                "both replicas to join the peering", lambda: len(peers(box)) == 2, timeout=60
            )
            names = {f"ha-{i:03d}" for i in range(SCALE.instances)}
            create_all(box, [web(n) for n in sorted(names)])
            wait_all_ready(box, names, timeout=120)
            made = {"first": created_by(first), "second": created_by(second)}
            assert sorted(made.values()) == [0, len(names)], made  # only one replica acted
            active, standby = (first, second) if made["first"] else (second, first)

            nova = NovaLog(box)
            victim_server = (box.cluster.get(sorted(names)[0]) or {})["status"]["serverID"]
            active.kill()
            killed = time.monotonic()
            box.cluster.create(web("after-takeover"))
            victim = sorted(names)[0]
            box.cluster.annotate(victim, "reboot", "after-takeover")
            box.cluster.wait_ready("after-takeover", timeout=LIFETIME + 90)
            takeover = time.monotonic() - killed
            assert (
                box.cluster.wait_action(victim, "reboot", "after-takeover", timeout=60)["result"]
                == "Succeeded"
            )
            log = nova.of(victim_server)
            assert count(log, "reboot") == 1, evidence(None, {victim: log})
            counts = one_server_each(box, names | {"after-takeover"})
            assert created_by(standby) == 1
            report["high_availability"] = {
                "replicas": 2,
                "instances": len(names),
                "created_by_each_replica": made,
                "peering_lifetime_s": LIFETIME,
                "takeover_seconds_kill_to_new_instance_ready": round(takeover, 1),
                **counts,
            }
        finally:
            second.stop()


def _succeeds(call: Any) -> bool:
    try:
        call()
    except k8s.ApiException:
        return False
    return True
