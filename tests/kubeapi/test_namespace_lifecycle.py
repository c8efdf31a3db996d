"""Deleting a namespace, as kube-controller-manager's namespace controller does it.

One sweep deletes every object in the namespace, whatever its kind; objects with finalizers stay,
readable and patchable, with a deletionTimestamp; the namespace's conditions say what remains in
the controller's words; the namespace disappears once it is empty.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.conftest import GROUP, PLURAL, VERSION, kopf_peering_crd, widget

HOLD = "example.dev/hold"
NS = "team-a"


def conditions(core: client.CoreV1Api) -> dict[str, tuple[str, str, str]]:
    namespace = core.api_client.sanitize_for_serialization(core.read_namespace(NS))
    return {
        c["type"]: (c["status"], c["reason"], c["message"])
        for c in namespace["status"].get("conditions", [])
    }


def names(api: KubeAPI, resource: str) -> list[str]:
    return [obj["metadata"]["name"] for obj in api.objects(resource, NS)]


@pytest.fixture
def team(
    api: KubeAPI, api_client: client.ApiClient, core: client.CoreV1Api, crd: dict[str, Any]
) -> None:
    """A namespace with one object of every kind the operator meets, two widgets held."""
    core.create_namespace({"metadata": {"name": NS}})
    core.create_namespaced_secret(NS, {"metadata": {"name": "cloud"}})
    core.create_namespaced_config_map(NS, {"metadata": {"name": "settings"}})
    core.create_namespaced_service_account(NS, {"metadata": {"name": "robot"}})
    rbac = client.RbacAuthorizationV1Api(api_client)
    rbac.create_namespaced_role(NS, {"metadata": {"name": "operator"}, "rules": []})
    rbac.create_namespaced_role_binding(
        NS,
        {
            "metadata": {"name": "operator"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "operator",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": NS}],
        },
    )
    client.CoordinationV1Api(api_client).create_namespaced_lease(
        NS, {"metadata": {"name": "leader"}}
    )
    extensions = client.ApiextensionsV1Api(api_client)
    extensions.create_custom_resource_definition(kopf_peering_crd("Namespaced", "KopfPeering"))
    custom = client.CustomObjectsApi(api_client)
    custom.create_namespaced_custom_object(
        "kopf.dev", "v1", NS, "kopfpeerings", {"metadata": {"name": "peering"}}
    )
    for name in ("held-1", "held-2"):
        body = widget(name) | {"metadata": {"name": name, "finalizers": [HOLD]}}
        custom.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, body)
    custom.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, widget("free"))


@pytest.mark.usefixtures("team")
def test_one_sweep_deletes_everything_without_finalizers(
    api: KubeAPI, core: client.CoreV1Api
) -> None:
    core.delete_namespace(NS)

    namespace = core.read_namespace(NS)
    assert namespace.metadata.deletion_timestamp is not None
    assert namespace.status.phase == "Terminating"
    for resource in (
        "secrets",
        "configmaps",
        "serviceaccounts",
        "roles",
        "rolebindings",
        "leases",
        "kopfpeerings",
    ):
        assert names(api, resource) == [], resource
    assert names(api, PLURAL) == ["held-1", "held-2"]
    for name in ("held-1", "held-2"):
        assert api.get(PLURAL, name, NS)["metadata"]["deletionTimestamp"]


@pytest.mark.usefixtures("team")
def test_conditions_say_what_remains_in_the_controllers_words(core: client.CoreV1Api) -> None:
    core.delete_namespace(NS)

    assert conditions(core) == {
        "NamespaceDeletionDiscoveryFailure": (
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered",
        ),
        "NamespaceDeletionGroupVersionParsingFailure": (
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        "NamespaceDeletionContentFailure": (
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        "NamespaceContentRemaining": (
            "True",
            "SomeResourcesRemain",
            f"Some resources are remaining: {PLURAL}.{GROUP} has 2 resource instances",
        ),
        "NamespaceFinalizersRemaining": (
            "True",
            "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {HOLD} in 2 resource"
            " instances",
        ),
    }


@pytest.mark.usefixtures("team")
def test_held_objects_stay_readable_and_patchable_and_counts_follow(
    api: KubeAPI, core: client.CoreV1Api, custom: client.CustomObjectsApi
) -> None:
    core.delete_namespace(NS)
    # An object being deleted takes patches (a finalizer leaving, status), but no new finalizer.
    custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, NS, PLURAL, "held-1", {"status": {"phase": "Deleting"}}
    )
    with pytest.raises(ApiException) as caught:
        custom.patch_namespaced_custom_object(
            GROUP, VERSION, NS, PLURAL, "held-1", {"metadata": {"finalizers": [HOLD, "x.dev/y"]}}
        )
    assert caught.value.status == 422

    custom.patch_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "held-1", {"metadata": {"finalizers": None}}
    )
    assert names(api, PLURAL) == ["held-2"]
    remaining = conditions(core)
    assert remaining["NamespaceContentRemaining"][2].endswith("has 1 resource instances")
    assert remaining["NamespaceFinalizersRemaining"][2].endswith(f"{HOLD} in 1 resource instances")

    custom.patch_namespaced_custom_object(
        GROUP, VERSION, NS, PLURAL, "held-2", {"metadata": {"finalizers": None}}
    )
    with pytest.raises(ApiException) as caught:
        core.read_namespace(NS)
    assert caught.value.status == 404


@pytest.mark.usefixtures("team")
def test_a_held_secret_is_counted_under_the_core_groups_name(
    api: KubeAPI, core: client.CoreV1Api
) -> None:
    core.patch_namespaced_secret(
        "cloud",
        NS,
        {"metadata": {"finalizers": ["example.dev/in-use"]}},
        _content_type="application/merge-patch+json",
    )
    core.delete_namespace(NS)

    assert names(api, "secrets") == ["cloud"]
    remaining = conditions(core)
    assert remaining["NamespaceContentRemaining"][2] == (
        "Some resources are remaining: secrets. has 1 resource instances,"
        f" {PLURAL}.{GROUP} has 2 resource instances"
    )
    assert remaining["NamespaceFinalizersRemaining"][2] == (
        "Some content in the namespace has finalizers remaining: example.dev/hold in 2 resource"
        " instances, example.dev/in-use in 1 resource instances"
    )


def test_an_empty_namespace_goes_at_once_and_others_are_untouched(
    api: KubeAPI, core: client.CoreV1Api
) -> None:
    for name in (NS, "team-b"):
        core.create_namespace({"metadata": {"name": name}})
        core.create_namespaced_config_map(name, {"metadata": {"name": "settings"}})
    core.delete_namespace(NS)
    with pytest.raises(ApiException) as caught:
        core.read_namespace(NS)
    assert caught.value.status == 404
    assert core.read_namespace("team-b").status.phase == "Active"
    assert [c["metadata"]["name"] for c in api.objects("configmaps", "team-b")] == ["settings"]
