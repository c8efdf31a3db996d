"""Discovery documents, and what CRDs and namespaces do to them and to their objects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests
from kubernetes import client
from kubernetes.client.rest import ApiException

from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.conftest import GROUP, KOPF_PEERING_CRDS, PLURAL, VERSION, WIDGET_CRD, widget


def fetch(api: KubeAPI, path: str) -> Any:
    response = requests.get(api.url + path, timeout=5)
    return response.status_code, response.json()


def test_builtin_discovery(api: KubeAPI) -> None:
    assert fetch(api, "/version")[1]["major"] == "1"
    assert fetch(api, "/api")[1]["versions"] == ["v1"]
    core = {entry["name"]: entry for entry in fetch(api, "/api/v1")[1]["resources"]}
    assert set(core) == {
        "namespaces",
        "namespaces/status",
        "secrets",
        "configmaps",
        "events",
        "serviceaccounts",
    }
    assert core["namespaces"]["namespaced"] is False
    assert core["events"]["namespaced"] is True
    assert core["events"]["kind"] == "Event"
    assert {"create", "get", "list", "watch", "patch", "update", "delete"} <= set(
        core["secrets"]["verbs"]
    )
    groups = {group["name"]: group for group in fetch(api, "/apis")[1]["groups"]}
    assert set(groups) == {
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "coordination.k8s.io",
        "rbac.authorization.k8s.io",
    }
    rbac = fetch(api, "/apis/rbac.authorization.k8s.io/v1")[1]["resources"]
    assert [(entry["name"], entry["namespaced"]) for entry in rbac] == [
        ("clusterrolebindings", False),
        ("clusterroles", False),
        ("rolebindings", True),
        ("roles", True),
    ]
    leases = fetch(api, "/apis/coordination.k8s.io/v1")[1]["resources"]
    assert [(entry["name"], entry["kind"]) for entry in leases] == [("leases", "Lease")]


def test_crds_come_and_go_from_discovery(api: KubeAPI, api_client: client.ApiClient) -> None:
    extensions = client.ApiextensionsV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)
    assert fetch(api, f"/apis/{GROUP}/{VERSION}")[0] == 404

    extensions.create_custom_resource_definition(copy.deepcopy(WIDGET_CRD))
    group = fetch(api, f"/apis/{GROUP}")[1]
    assert group["preferredVersion"] == {"groupVersion": f"{GROUP}/{VERSION}", "version": VERSION}
    resources = {
        entry["name"]: entry for entry in fetch(api, f"/apis/{GROUP}/{VERSION}")[1]["resources"]
    }
    assert set(resources) == {PLURAL, f"{PLURAL}/status"}
    assert resources[PLURAL]["shortNames"] == ["wd"]
    assert resources[PLURAL]["categories"] == ["all"]
    assert resources[PLURAL]["singularName"] == "widget"
    assert resources[f"{PLURAL}/status"]["verbs"] == ["get", "patch", "update"]

    held = widget("held")
    held["metadata"]["finalizers"] = ["example.dev/hold"]
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, held)
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, widget("free"))

    extensions.delete_custom_resource_definition(f"{PLURAL}.{GROUP}")
    # Deleting a CRD deletes its objects first; a finalizer keeps the CRD terminating.
    assert [obj["metadata"]["name"] for obj in api.objects(PLURAL)] == ["held"]
    assert extensions.read_custom_resource_definition(
        f"{PLURAL}.{GROUP}"
    ).metadata.deletion_timestamp
    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, widget("new"))
    assert caught.value.status == 405

    custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        "default",
        PLURAL,
        "held",
        {"metadata": {"finalizers": None}},
        _content_type="application/merge-patch+json",
    )
    assert fetch(api, f"/apis/{GROUP}/{VERSION}")[0] == 404
    assert GROUP not in {group["name"] for group in fetch(api, "/apis")[1]["groups"]}
    with pytest.raises(ApiException) as caught:
        extensions.read_custom_resource_definition(f"{PLURAL}.{GROUP}")
    assert caught.value.status == 404


def test_invalid_crds_are_rejected(api_client: client.ApiClient) -> None:
    extensions = client.ApiextensionsV1Api(api_client)
    wrong_name = copy.deepcopy(WIDGET_CRD)
    wrong_name["metadata"]["name"] = "widgets.elsewhere.dev"
    with pytest.raises(ApiException) as caught:
        extensions.create_custom_resource_definition(wrong_name)
    assert caught.value.status == 422
    assert "metadata.name" in caught.value.body


def test_multi_version_crd_serves_every_version(api: KubeAPI, api_client: client.ApiClient) -> None:
    crd = copy.deepcopy(WIDGET_CRD)
    beta = copy.deepcopy(crd["spec"]["versions"][0])
    crd["spec"]["versions"][0]["storage"] = False
    crd["spec"]["versions"][0]["name"] = "v1beta1"
    beta["name"] = VERSION
    crd["spec"]["versions"].append(beta)
    client.ApiextensionsV1Api(api_client).create_custom_resource_definition(crd)

    group = fetch(api, f"/apis/{GROUP}")[1]
    assert [entry["version"] for entry in group["versions"]] == ["v1", "v1beta1"]
    custom = client.CustomObjectsApi(api_client)
    custom.create_namespaced_custom_object(
        GROUP, "v1beta1", "default", PLURAL, widget("w") | {"apiVersion": f"{GROUP}/v1beta1"}
    )
    as_v1 = custom.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "w")
    assert as_v1["apiVersion"] == f"{GROUP}/{VERSION}"


def test_namespace_termination(api: KubeAPI, core: client.CoreV1Api) -> None:
    core.create_namespace({"metadata": {"name": "doomed"}})
    assert core.read_namespace("doomed").status.phase == "Active"
    core.create_namespaced_config_map("doomed", {"metadata": {"name": "plain"}})
    core.create_namespaced_config_map(
        "doomed", {"metadata": {"name": "held", "finalizers": ["example.dev/hold"]}}
    )

    core.delete_namespace("doomed")
    assert core.read_namespace("doomed").status.phase == "Terminating"
    assert [obj["metadata"]["name"] for obj in api.objects("configmaps", "doomed")] == ["held"]
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_secret("doomed", {"metadata": {"name": "late"}})
    assert caught.value.status == 403

    core.patch_namespaced_config_map("held", "doomed", {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as caught:
        core.read_namespace("doomed")
    assert caught.value.status == 404

    with pytest.raises(ApiException) as caught:
        core.delete_namespace("default")
    assert caught.value.status == 403


def test_kopf_peering_resources(api: KubeAPI, api_client: client.ApiClient) -> None:
    extensions = client.ApiextensionsV1Api(api_client)
    for crd in KOPF_PEERING_CRDS:
        extensions.create_custom_resource_definition(copy.deepcopy(crd))
    resources = fetch(api, "/apis/kopf.dev/v1")[1]["resources"]
    assert {entry["name"]: entry["namespaced"] for entry in resources} == {
        "clusterkopfpeerings": False,
        "kopfpeerings": True,
    }
    custom = client.CustomObjectsApi(api_client)
    custom.create_cluster_custom_object(
        "kopf.dev", "v1", "clusterkopfpeerings", {"metadata": {"name": "default"}}
    )
    touched = custom.patch_cluster_custom_object(
        "kopf.dev",
        "v1",
        "clusterkopfpeerings",
        "default",
        {"status": {"me@host": {"priority": 0}}},
        _content_type="application/merge-patch+json",
    )
    # No status subresource here: the main endpoint writes the status, as kopf expects.
    assert touched["status"] == {"me@host": {"priority": 0}}


@pytest.mark.usefixtures("crd")
def test_tables_for_kubectl_get(api: KubeAPI, custom: client.CustomObjectsApi) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, widget("w", 3))
    custom.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        "default",
        PLURAL,
        "w",
        {
            "status": {
                "conditions": [
                    {"type": "Seen", "status": "False"},
                    {"type": "Ready", "status": "True"},
                ]
            }
        },
        _content_type="application/merge-patch+json",
    )
    accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
    url = f"{api.url}/apis/{GROUP}/{VERSION}/namespaces/default/{PLURAL}"
    table = requests.get(url, headers=accept, timeout=5).json()
    assert table["kind"] == "Table"
    assert [column["name"] for column in table["columnDefinitions"]] == [
        "Name",
        "Size",
        "Ready",
        "Age",
    ]
    [row] = table["rows"]
    assert row["cells"][:3] == ["w", 3, "True"]
    assert row["cells"][3].endswith("s")  # an age, as the API server renders dates
    assert row["object"]["metadata"]["name"] == "w"
    assert requests.get(url, timeout=5).json()["kind"] == "WidgetList"
