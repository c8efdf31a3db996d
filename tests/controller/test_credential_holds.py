"""The credentials Secret is kept while Instances need it; a deletion without it says so.

While an Instance uses its Secret, the Secret carries ``instance-operator.dev/in-use``: deleting
it by hand leaves it ``Terminating`` until the last Instance using it has deleted its server. If
someone also removes that finalizer, the Instance's deletion cannot go on: it must not hang
silently, but say (condition and Warning Event) which Secret is missing and the two ways out.
"""

from __future__ import annotations

from typing import Any

from instance_operator.api.names import IN_USE_FINALIZER
from instance_operator.controller.runtime import Controller
from instance_operator.simulator import Simulator
from tests.support.cluster import CLOUD, SECRET, Cluster, example, wait_for


def web(name: str, **spec: Any) -> dict[str, Any]:
    instance = example("instance-minimal.yaml")
    instance["metadata"]["name"] = name
    instance["spec"]["networks"] = [{"name": "private"}]
    instance["spec"].update(spec)
    return instance


def secret(cluster: Cluster) -> dict[str, Any] | None:
    return cluster.kube.get("secrets", SECRET, cluster.namespace)


def finalizers(cluster: Cluster) -> list[str]:
    return list(((secret(cluster) or {}).get("metadata") or {}).get("finalizers") or [])


def server_gone(sim: Simulator, server_id: str) -> bool:
    server = sim.servers.get(server_id)
    return server is None or server["status"] == "DELETED"


def test_a_used_secret_stays_until_the_last_instance_is_deleted(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web("web-1"))
    cluster.create(web("web-2"))
    first = cluster.wait_ready("web-1")["serverID"]
    second = cluster.wait_ready("web-2")["serverID"]
    assert finalizers(cluster) == [IN_USE_FINALIZER]

    cluster.delete_secret(SECRET)
    assert (secret(cluster) or {})["metadata"]["deletionTimestamp"]  # kept, Terminating
    cluster.delete("web-1")
    cluster.wait_gone("web-1")
    assert server_gone(sim, first)
    assert secret(cluster) is not None  # web-2 still needs it
    cluster.delete("web-2")
    cluster.wait_gone("web-2")
    assert server_gone(sim, second)
    wait_for("the Secret to go with its last Instance", lambda: secret(cluster) is None)


def test_an_unused_secret_is_released(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web("web-1", deletionPolicy="Orphan"))
    cluster.wait_ready("web-1")
    assert finalizers(cluster) == [IN_USE_FINALIZER]
    cluster.delete("web-1")
    cluster.wait_gone("web-1")
    wait_for("the in-use finalizer to be removed", lambda: finalizers(cluster) == [])


def test_a_deletion_without_its_secret_says_why_and_goes_on_once_restored(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web("web-1"))
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.delete_secret(SECRET)
    cluster.core.patch_namespaced_secret(
        SECRET,
        cluster.namespace,
        {"metadata": {"finalizers": None}},
        _content_type="application/merge-patch+json",
    )  # forced by hand
    assert secret(cluster) is None
    cluster.wait_condition("web-1", "Degraded", "SecretNotFound")  # the operator noticed

    cluster.delete("web-1")
    wait_for("the deletion to start", lambda: cluster.status("web-1")["phase"] == "Deleting")
    condition = cluster.condition("web-1", "Degraded")
    where = f"Secret {cluster.namespace}/{SECRET}"
    for text in (where, server_id, "restore the Secret", "deletionPolicy to Orphan"):
        assert text in condition["message"], text
    assert cluster.status("web-1")["phase"] == "Deleting"
    warning = ("Warning", "SecretNotFound", condition["message"])
    wait_for("the same words in a Warning Event", lambda: warning in cluster.events("web-1"))

    cluster.put_secret(SECRET, {"clouds.yaml": sim.clouds_yaml(cloud_name=CLOUD)})
    cluster.wait_gone("web-1", timeout=60)
    assert server_gone(sim, server_id)


def test_a_deletion_without_its_secret_is_released_by_orphan(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web("web-1"))
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.delete_secret(SECRET)
    cluster.core.patch_namespaced_secret(
        SECRET,
        cluster.namespace,
        {"metadata": {"finalizers": None}},
        _content_type="application/merge-patch+json",
    )
    cluster.wait_condition("web-1", "Degraded", "SecretNotFound")
    cluster.delete("web-1")
    wait_for("the deletion to be stuck", lambda: "restore" in cluster.events("web-1")[-1][2])

    cluster.patch_spec("web-1", {"deletionPolicy": "Orphan"})
    cluster.wait_gone("web-1", timeout=60)
    assert (sim.servers.get(server_id) or {})["status"] == "ACTIVE"  # left as the user chose
