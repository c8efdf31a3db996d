"""The chart's RBAC suffices: the real operator, run as the chart runs it, asks for nothing more.

The chart's CRDs, RBAC and peering objects are installed into the embedded Kubernetes API; the
operator runs with the flags of the chart's Deployment (with test cadences) against the OpenStack
simulator, takes an Instance to Ready and deletes it. Every request the API server counted is then
checked against the Roles and ClusterRoles the chart grants, as the rules read: a second opinion
beside ``tests/e2e/test_rbac.py``, where the embedded API itself enforces them. ``install`` and
``permits`` serve the namespace-deletion acceptance test too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kubernetes import config as k8s_config
from kubernetes.dynamic import DynamicClient

from instance_operator.kubeapi import KubeAPI
from instance_operator.simulator import Simulator, SimulatorConfig
from tests.chart.helm import NAMESPACE, Manifests, render
from tests.support.cluster import CLOUD, SECRET, Cluster, example, wait_for
from tests.support.operator_thread import FAST, operator_running
from tests.support.timings import FAST_CLOUD

#: The test's own requests as the user: it creates and deletes one Instance.
USER_WRITES = {("create", "instances"): 1, ("delete", "instances"): 1}


#: The kinds of the chart's RBAC, installed as rendered.
RBAC_KINDS = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")


def install(manifests: Manifests, kubeconfig: Path, namespace: str) -> None:
    """What matters here of a cluster with the chart installed: the watched namespaces (which
    must exist before the chart), the chart's CRDs, its RBAC, its peering objects and its
    deletion-protection policy. Through the
    Python client: kubectl sends no bearer token to a plain-HTTP server, and the embedded API may
    be authorizing requests."""
    api = k8s_config.new_client_from_config(str(kubeconfig))
    try:
        dynamic = DynamicClient(api)  # type: ignore[no-untyped-call]
        names = sorted({namespace, NAMESPACE, *manifests.config().namespaces})
        spaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in names]
        crds = manifests.of("CustomResourceDefinition")
        rbac = [doc for kind in RBAC_KINDS for doc in manifests.of(kind)]
        peerings = manifests.of("KopfPeering") + manifests.of("ClusterKopfPeering")
        policies = [
            *manifests.of("ValidatingAdmissionPolicy"),
            *manifests.of("ValidatingAdmissionPolicyBinding"),
        ]
        for doc in [*spaces, *crds, *rbac, *peerings, *policies]:
            if doc["kind"] == "KopfPeering" or doc["kind"] == "ClusterKopfPeering":
                dynamic.resources.invalidate_cache()  # the CRDs above are served now
            resource = dynamic.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
            resource.create(body=doc, namespace=doc["metadata"].get("namespace"))
    finally:
        api.close()


def grants(manifests: Manifests) -> list[tuple[str | None, dict[str, Any]]]:
    """(namespace, rule), with None for cluster-wide rules: what the bindings grant, as the RBAC
    authorizer resolves them (a ClusterRole bound by a RoleBinding grants in that namespace only)."""
    roles = {
        (role["kind"], role["metadata"].get("namespace"), role["metadata"]["name"]): role
        for role in manifests.of("ClusterRole") + manifests.of("Role")
    }
    out: list[tuple[str | None, dict[str, Any]]] = []
    for binding in manifests.of("ClusterRoleBinding") + manifests.of("RoleBinding"):
        scope = binding["metadata"].get("namespace")
        ref = binding["roleRef"]
        role = roles[(ref["kind"], scope if ref["kind"] == "Role" else None, ref["name"])]
        out += [(scope, rule) for rule in role["rules"]]
    return out


def permits(
    manifests: Manifests, verb: str, group: str, resource: str, namespace: str, name: str | None
) -> bool:
    for scope, rule in grants(manifests):
        if scope is not None and scope != namespace:
            continue
        # Request counts carry no names (name None); the write records that do are checked apart.
        if name is not None and rule.get("resourceNames") and name not in rule["resourceNames"]:
            continue
        if group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"]:
            return True
    return False


@pytest.mark.parametrize("values", ["ha-namespaces", "ha"])
def test_the_operator_needs_no_more_than_the_chart_grants(values: str, tmp_path: Path) -> None:
    manifests = render(values, include_crds=True)
    chart = manifests.config()
    config = FAST.model_copy(
        update={
            "namespaces": chart.namespaces,
            "standalone": chart.standalone,
            "peering_name": chart.peering_name,
            "role_binding": chart.role_binding,
        }
    )
    namespace = chart.namespaces[0] if chart.namespaces else "team-z"
    assert manifests.of("KopfPeering") + manifests.of("ClusterKopfPeering")
    with (
        Simulator(SimulatorConfig(durations=FAST_CLOUD)).running() as sim,
        KubeAPI().running() as api,
    ):
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        install(manifests, kubeconfig, namespace)
        cluster = Cluster(api, kubeconfig, namespace)
        cluster.put_secret(SECRET, {"clouds.yaml": sim.clouds_yaml(cloud_name=CLOUD)})
        instance = example("instance-minimal.yaml")
        instance["spec"]["networks"] = [{"name": "private"}]
        api.counters.reset()
        with operator_running(kubeconfig, config):
            cluster.create(instance)
            cluster.wait_ready("web-1", timeout=60)
            cluster.delete("web-1")
            cluster.wait_gone("web-1", timeout=60)

            def peerings() -> list[dict[str, Any] | None]:
                return [
                    api.get(
                        p["kind"].lower() + "s",
                        p["metadata"]["name"],
                        p["metadata"].get("namespace"),
                    )
                    for p in manifests.of("KopfPeering") + manifests.of("ClusterKopfPeering")
                ]

            wait_for(
                "the operator in every peering object",
                lambda: all(p and p.get("status") for p in peerings()),
            )
        snapshot = api.counters.snapshot()

    denied = []
    for row in snapshot["requests"]:
        resource = (
            f"{row['resource']}/{row['subresource']}" if row["subresource"] else row["resource"]
        )
        count = row["count"] - USER_WRITES.get((row["verb"], resource), 0)
        if count and not permits(
            manifests, row["verb"], row["group"], resource, row["namespace"], None
        ):
            denied.append(row)
    for row in snapshot["writes"]:
        verbs = ("patch", "update", "create", "delete")
        named = row["group"] in ("kopf.dev", "rbac.authorization.k8s.io")  # rules by resourceNames
        if named and not any(
            permits(manifests, verb, row["group"], row["resource"], row["namespace"], row["name"])
            for verb in verbs
        ):
            denied.append(row)
    assert not denied, "requests the chart does not grant:\n" + "\n".join(map(str, denied))
    used = {(row["verb"], row["resource"], row["subresource"]) for row in snapshot["requests"]}
    assert ("get", "secrets", "") in used  # the check saw the operator at work
    assert ("patch", "secrets", "") in used  # the credentials' in-use finalizer, on and off
    if chart.role_binding:
        assert ("patch", "rolebindings", "") in used  # and the RoleBinding's
    assert any(resource.endswith("kopfpeerings") and verb == "patch" for verb, resource, _ in used)
