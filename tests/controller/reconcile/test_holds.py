"""The ``in-use`` finalizer's bookkeeping against the embedded API: shared Secrets, Instances the
watch has not shown yet, finished deletions, Secrets already being deleted, the RoleBinding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from instance_operator.api.names import FINALIZER, IN_USE_FINALIZER
from instance_operator.controller.kube import Kube
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.reconcile.holds import Held, Holds
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.status.reasons import Reason
from tests.support.cluster import SECRET, Cluster, example, running_cluster

CREDENTIALS = Held("secrets", "default", SECRET)
BINDING = Held("rolebindings", "default", "io-instance-operator")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as running:
        running.put_secret(SECRET, {"clouds.yaml": "clouds: {}"})
        yield running


@pytest.fixture
def registry() -> Registry:
    return Registry()


@pytest.fixture
def holds(cluster: Cluster, registry: Registry) -> Holds:
    return Holds(Kube(cluster.api, reporting_instance="test"), registry, role_binding=BINDING.name)


def instance(cluster: Cluster, name: str, **metadata: Any) -> InstanceView:
    """An Instance in the API server, as kopf has it once its finalizer is on."""
    body = example("instance-minimal.yaml")
    body["metadata"] = {"name": name, "finalizers": [FINALIZER], **metadata}
    return InstanceView.from_body(cluster.create(body))


def deleting(cluster: Cluster, view: InstanceView) -> InstanceView:
    cluster.delete(view.ref.name)
    return InstanceView.from_body(cluster.get(view.ref.name) or {})


def finalizers(cluster: Cluster, held: Held) -> list[str]:
    found = cluster.kube.get(held.kind, held.name, held.namespace) or {}
    return list(found.get("metadata", {}).get("finalizers") or [])


def test_one_finalizer_for_a_shared_secret_until_the_last_user_finished(
    cluster: Cluster, registry: Registry, holds: Holds
) -> None:
    first, second = instance(cluster, "web-1"), instance(cluster, "web-2")
    for view in (first, second):
        registry.update(cluster.get(view.ref.name) or {})
        holds.require_credentials(view)
    assert finalizers(cluster, CREDENTIALS) == [IN_USE_FINALIZER]

    first = deleting(cluster, first)
    registry.update(cluster.get("web-1") or {})
    holds.finished(first)
    assert finalizers(cluster, CREDENTIALS) == [IN_USE_FINALIZER]  # web-2 still needs it
    second = deleting(cluster, second)
    registry.update(cluster.get("web-2") or {})
    holds.finished(second)  # web-1 is done too, though not gone yet
    assert finalizers(cluster, CREDENTIALS) == []


def test_an_instance_the_watch_has_not_shown_keeps_the_secret(
    cluster: Cluster, holds: Holds
) -> None:
    holds.require_credentials(instance(cluster, "web-1"))  # never in the registry
    assert holds.settle(CREDENTIALS) is None
    assert finalizers(cluster, CREDENTIALS) == [IN_USE_FINALIZER]

    cluster.patch("web-1", {"metadata": {"finalizers": None}})
    cluster.delete("web-1")
    holds.settle(CREDENTIALS)
    assert finalizers(cluster, CREDENTIALS) == []


def test_a_release_is_not_remembered_as_held(cluster: Cluster, holds: Holds) -> None:
    """The last Instance finishes while a new one is created: the new one puts it back."""
    view = instance(cluster, "web-1")
    holds.require_credentials(view)
    holds.finished(deleting(cluster, view))
    assert finalizers(cluster, CREDENTIALS) == []
    holds.require_credentials(instance(cluster, "web-2"))
    assert finalizers(cluster, CREDENTIALS) == [IN_USE_FINALIZER]


def test_a_secret_being_deleted_gets_no_new_server(cluster: Cluster, holds: Holds) -> None:
    cluster.core.patch_namespaced_secret(
        SECRET,
        "default",
        {"metadata": {"finalizers": ["example.dev/backup"]}},
        _content_type="application/merge-patch+json",
    )
    cluster.delete_secret(SECRET)
    view = instance(cluster, "web-1")
    with pytest.raises(UserError) as caught:
        holds.require_credentials(view)
    assert caught.value.reason is Reason.SECRET_BEING_DELETED
    assert f"Secret default/{SECRET} is gone or being deleted" in caught.value.message
    holds.take(view)  # an Instance with a server carries on
    assert finalizers(cluster, CREDENTIALS) == ["example.dev/backup"]


def test_the_role_binding_is_kept_while_any_instance_exists(
    cluster: Cluster, registry: Registry, holds: Holds
) -> None:
    client.RbacAuthorizationV1Api(cluster.api).create_namespaced_role_binding(
        "default",
        {
            "metadata": {"name": BINDING.name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "x",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "io", "namespace": "system"}],
        },
    )
    view = instance(cluster, "web-1")
    registry.update(cluster.get("web-1") or {})
    holds.take(view)
    assert finalizers(cluster, BINDING) == [IN_USE_FINALIZER]

    holds.finished(deleting(cluster, view))  # done, but kopf must still remove its finalizer
    assert holds.settle(BINDING) is None
    assert finalizers(cluster, BINDING) == [IN_USE_FINALIZER]

    cluster.patch("web-1", {"metadata": {"finalizers": None}})
    registry.remove(view.uid)
    assert holds.gone(cluster.get("web-1") or view_body(view)) == [CREDENTIALS, BINDING]
    holds.settle(BINDING)
    assert finalizers(cluster, BINDING) == []


def view_body(view: InstanceView) -> dict[str, Any]:
    return {
        "metadata": {"name": view.ref.name, "namespace": view.ref.namespace, "uid": view.uid},
        "spec": dict(view.spec),
    }
