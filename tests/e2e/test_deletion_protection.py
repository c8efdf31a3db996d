"""Deletion protection with the chart installed (issue 17, 2): its ValidatingAdmissionPolicy,
put into the embedded API as ``helm install`` would, refuses to delete a protected Instance with
403 and the way out, and holds a namespace's deletion in Terminating until the annotation is
removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes.client.exceptions import ApiException

from instance_operator.api.names import DELETION_PROTECTION
from instance_operator.kubeapi import KubeAPI
from instance_operator.simulator import Simulator, SimulatorConfig
from tests.chart.helm import render
from tests.chart.test_permissions import install
from tests.e2e.test_namespace_deletion import NAMESPACE, instance, operator_kubeconfig, ready
from tests.support.cluster import CLOUD, SECRET, Cluster, wait_for
from tests.support.operator_thread import FAST, operator_running
from tests.support.timings import FAST_CLOUD

TIMEOUT = 120.0


def test_the_charts_policy_refuses_the_delete_and_holds_the_namespace(tmp_path: Path) -> None:
    manifests = render(include_crds=True)
    policy = manifests.one("ValidatingAdmissionPolicy")["metadata"]["name"]
    config = FAST.model_copy(update={"namespaces": manifests.config().namespaces})
    with (
        Simulator(SimulatorConfig(durations=FAST_CLOUD)).running() as sim,
        KubeAPI(authorization=True).running() as api,
    ):
        admin = api.write_kubeconfig(tmp_path / "admin.yaml")
        install(manifests, admin, NAMESPACE)
        cluster = Cluster(api, admin, NAMESPACE)
        cluster.put_secret(SECRET, {"clouds.yaml": sim.clouds_yaml(cloud_name=CLOUD)})
        with operator_running(operator_kubeconfig(api, manifests, tmp_path / "op.yaml"), config):
            kept, free = instance("db-1", "Delete"), instance("web-1", "Delete")
            kept["metadata"]["annotations"] = {DELETION_PROTECTION: "true"}
            cluster.create(kept)
            cluster.create(free)
            wait_for("both Ready", lambda: ready(api, "db-1") and ready(api, "web-1"), TIMEOUT)
            server = (api.get("instances", "db-1", NAMESPACE) or {})["status"]["serverID"]

            with pytest.raises(ApiException) as refused:
                cluster.delete("db-1")
            assert refused.value.status == 403
            assert f"ValidatingAdmissionPolicy '{policy}'" in str(refused.value.body)
            command = f"kubectl annotate instance db-1 -n {NAMESPACE} {DELETION_PROTECTION}-"
            assert command in str(refused.value.body)
            found = api.get("instances", "db-1", NAMESPACE) or {}
            assert not found["metadata"].get("deletionTimestamp")  # nothing started

            cluster.delete_namespace()

            def content_failure() -> bool:
                space = api.get("namespaces", NAMESPACE) or {}
                conditions = (space.get("status") or {}).get("conditions") or []
                return any(
                    c["type"] == "NamespaceDeletionContentFailure" and c["status"] == "True"
                    for c in conditions
                )

            wait_for("the namespace to say what holds it", content_failure, TIMEOUT)
            assert (api.get("namespaces", NAMESPACE) or {})["status"]["phase"] == "Terminating"
            assert (sim.servers.get(server) or {}).get("status") == "ACTIVE"
            # The namespace controller deletes Instances as one collection, in name order, and
            # stops at the first refusal: web-1 comes after db-1 and waits with it.
            assert api.get("instances", "web-1", NAMESPACE) is not None

            cluster.patch("db-1", {"metadata": {"annotations": {DELETION_PROTECTION: None}}})
            wait_for(
                "the namespace to be gone",
                lambda: api.get("namespaces", NAMESPACE) is None,
                TIMEOUT,
            )
        assert sim.servers.get(server) is None or sim.servers.get(server)["status"] == "DELETED"  # type: ignore[index]
