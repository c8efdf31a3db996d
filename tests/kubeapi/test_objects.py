"""Object semantics through the official ``kubernetes`` client, over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.kubeapi.conftest import GROUP, PLURAL, VERSION, widget

pytestmark = pytest.mark.usefixtures("crd")


def failure(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body)
    assert body["kind"] == "Status"
    assert body["code"] == error.status
    return body


def create(
    custom: client.CustomObjectsApi, body: dict[str, Any], namespace: str = "default"
) -> Any:
    return custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)


def get(custom: client.CustomObjectsApi, name: str, namespace: str = "default") -> Any:
    return custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)


def patch(
    custom: client.CustomObjectsApi, name: str, body: Any, content_type: str, status: bool = False
) -> Any:
    call = (
        custom.patch_namespaced_custom_object_status
        if status
        else custom.patch_namespaced_custom_object
    )
    return call(GROUP, VERSION, "default", PLURAL, name, body, _content_type=content_type)


MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def test_create_get_list_delete(custom: client.CustomObjectsApi) -> None:
    created = create(custom, widget("one", 2))
    meta = created["metadata"]
    assert meta["uid"]
    assert meta["creationTimestamp"].endswith("Z")
    assert meta["generation"] == 1
    assert get(custom, "one") == created

    listed = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
    assert listed["kind"] == "WidgetList"
    assert [item["metadata"]["name"] for item in listed["items"]] == ["one"]
    assert int(listed["metadata"]["resourceVersion"]) >= int(meta["resourceVersion"])

    deleted = custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "one")
    assert deleted["metadata"]["uid"] == meta["uid"]
    with pytest.raises(ApiException) as caught:
        get(custom, "one")
    assert caught.value.status == 404
    assert failure(caught.value)["reason"] == "NotFound"
    assert failure(caught.value)["message"] == f'{PLURAL}.{GROUP} "one" not found'


def test_names_already_exist_or_are_generated(custom: client.CustomObjectsApi) -> None:
    create(custom, widget("taken"))
    with pytest.raises(ApiException) as caught:
        create(custom, widget("taken"))
    assert (caught.value.status, failure(caught.value)["reason"]) == (409, "AlreadyExists")

    body = widget("")
    body["metadata"] = {"generateName": "gen-"}
    generated = create(custom, body)["metadata"]["name"]
    assert generated.startswith("gen-")
    assert len(generated) == len("gen-") + 5

    with pytest.raises(ApiException) as caught:
        create(custom, widget("Not_A_DNS_Name"))
    assert caught.value.status == 422


def test_objects_need_an_existing_namespace(
    custom: client.CustomObjectsApi, core: client.CoreV1Api
) -> None:
    with pytest.raises(ApiException) as caught:
        create(custom, widget("w"), namespace="elsewhere")
    assert caught.value.status == 404
    assert failure(caught.value)["message"] == 'namespaces "elsewhere" not found'

    core.create_namespace({"metadata": {"name": "elsewhere"}})
    assert (
        create(custom, widget("w"), namespace="elsewhere")["metadata"]["namespace"] == "elsewhere"
    )


def test_stale_resource_version_is_a_conflict(custom: client.CustomObjectsApi) -> None:
    first = create(custom, widget("w", 1))
    create(custom, widget("other"))  # the counter is global: other objects move it too
    fresh = dict(first, spec={"size": 2})
    updated = custom.replace_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "w", fresh)
    assert (
        int(updated["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"]) + 1
    )

    stale = dict(first, spec={"size": 3})
    with pytest.raises(ApiException) as caught:
        custom.replace_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "w", stale)
    assert (caught.value.status, failure(caught.value)["reason"]) == (409, "Conflict")
    assert "the object has been modified" in failure(caught.value)["message"]

    unconditional = {k: v for k, v in updated.items() if k != "metadata"} | {
        "metadata": {"name": "w"}
    }
    with pytest.raises(ApiException) as caught:
        custom.replace_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, "w", unconditional
        )
    assert caught.value.status == 422
    assert get(custom, "w")["spec"]["size"] == 2


def test_patches_and_their_preconditions(custom: client.CustomObjectsApi) -> None:
    created = create(custom, widget("w", 1))
    old_rv = created["metadata"]["resourceVersion"]

    merged = patch(custom, "w", {"spec": {"tags": ["a"]}}, MERGE)
    assert merged["spec"]["tags"] == ["a"]
    # The client sends a dict as a strategic merge patch; for custom resources it merges.
    strategic = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "w", {"spec": {"size": 4}}
    )
    assert strategic["spec"] == {"size": 4, "tags": ["a"], "color": "red", "shape": {"corners": 4}}

    with pytest.raises(ApiException) as caught:
        patch(custom, "w", {"metadata": {"resourceVersion": old_rv}, "spec": {"size": 5}}, MERGE)
    assert (caught.value.status, failure(caught.value)["reason"]) == (409, "Conflict")

    ops = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": old_rv},
        {"op": "add", "path": "/spec/size", "value": 6},
    ]
    with pytest.raises(ApiException) as caught:
        patch(custom, "w", ops, JSON_PATCH)
    assert caught.value.status == 422  # kopf relies on this for its finalizer patches

    current = strategic["metadata"]["resourceVersion"]
    ops[0]["value"] = current
    assert patch(custom, "w", ops, JSON_PATCH)["spec"]["size"] == 6
    assert get(custom, "w")["spec"]["size"] == 6


def test_status_subresource(custom: client.CustomObjectsApi) -> None:
    body = widget("w", 1)
    body["status"] = {"phase": "Made-up"}
    created = create(custom, body)
    assert "status" not in created

    with_status = patch(
        custom, "w", {"status": {"phase": "Ready", "extra": {"kept": True}}}, MERGE, status=True
    )
    assert with_status["status"] == {"phase": "Ready", "extra": {"kept": True}}
    assert with_status["metadata"]["generation"] == 1
    assert int(with_status["metadata"]["resourceVersion"]) > int(
        created["metadata"]["resourceVersion"]
    )

    ignored_status = patch(custom, "w", {"status": {"phase": "Hacked"}, "spec": {"size": 2}}, MERGE)
    assert ignored_status["status"]["phase"] == "Ready"
    assert ignored_status["metadata"]["generation"] == 2

    ignored_spec = patch(
        custom, "w", {"status": {"phase": "Done"}, "spec": {"size": 9}}, MERGE, status=True
    )
    assert (ignored_spec["spec"]["size"], ignored_spec["status"]["phase"]) == (2, "Done")
    assert ignored_spec["metadata"]["generation"] == 2


def test_generation_follows_the_spec_and_noop_writes_store_nothing(
    custom: client.CustomObjectsApi,
) -> None:
    created = create(custom, widget("w", 1))
    labelled = patch(
        custom, "w", {"metadata": {"labels": {"a": "b"}, "annotations": {"x": "y"}}}, MERGE
    )
    assert labelled["metadata"]["generation"] == 1
    same = patch(custom, "w", {"metadata": {"labels": {"a": "b"}}}, MERGE)
    assert same["metadata"]["resourceVersion"] == labelled["metadata"]["resourceVersion"]
    respec = patch(custom, "w", {"spec": {"size": 3}}, MERGE)
    assert respec["metadata"]["generation"] == 2
    assert respec["metadata"]["uid"] == created["metadata"]["uid"]


def test_finalizers_hold_deletion(custom: client.CustomObjectsApi) -> None:
    body = widget("w", 1)
    body["metadata"]["finalizers"] = ["example.dev/cleanup"]
    create(custom, body)

    deleting = custom.delete_namespaced_custom_object(
        GROUP,
        VERSION,
        "default",
        PLURAL,
        "w",
        propagation_policy="Foreground",
        grace_period_seconds=0,
    )
    assert deleting["metadata"]["deletionTimestamp"]
    assert (
        get(custom, "w")["metadata"]["deletionTimestamp"]
        == deleting["metadata"]["deletionTimestamp"]
    )

    with pytest.raises(ApiException) as caught:
        patch(
            custom,
            "w",
            {"metadata": {"finalizers": ["example.dev/cleanup", "example.dev/more"]}},
            MERGE,
        )
    assert caught.value.status == 422

    patch(custom, "w", {"metadata": {"finalizers": None}}, MERGE)
    with pytest.raises(ApiException) as caught:
        get(custom, "w")
    assert caught.value.status == 404


def test_selectors_and_cluster_wide_lists(
    custom: client.CustomObjectsApi, core: client.CoreV1Api
) -> None:
    core.create_namespace({"metadata": {"name": "other"}})
    create(custom, widget("a", tier="front", env="prod"))
    create(custom, widget("b", tier="back", env="prod"))
    create(custom, widget("c", tier="front"))
    create(custom, widget("d", tier="front", env="dev"), namespace="other")

    def names(namespace: str | None = None, **params: str) -> list[str]:
        if namespace is None:
            listed = custom.list_cluster_custom_object(GROUP, VERSION, PLURAL, **params)
        else:
            listed = custom.list_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL, **params
            )
        return [item["metadata"]["name"] for item in listed["items"]]

    assert names() == ["a", "b", "c", "d"]
    assert names("default", label_selector="tier=front") == ["a", "c"]
    assert names(label_selector="tier=front,env") == ["a", "d"]
    assert names(label_selector="env notin (dev),tier in (front, back)") == ["a", "b", "c"]
    assert names(label_selector="!env") == ["c"]
    assert names(label_selector="env!=prod") == ["c", "d"]
    assert names(field_selector="metadata.name=d") == ["d"]
    assert names("default", field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.namespace!=default") == ["d"]
    with pytest.raises(ApiException) as caught:
        names(field_selector="spec.size=1")
    assert caught.value.status == 400


def test_paging(custom: client.CustomObjectsApi) -> None:
    for index in range(7):
        create(custom, widget(f"w{index}"))
    seen: list[str] = []
    token, versions = "", set()
    while True:
        page = custom.list_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, limit=3, _continue=token
        )
        seen += [item["metadata"]["name"] for item in page["items"]]
        versions.add(page["metadata"]["resourceVersion"])
        token = page["metadata"].get("continue", "")
        if not token:
            assert "remainingItemCount" not in page["metadata"]
            break
        assert page["metadata"]["remainingItemCount"] == 7 - len(seen)
        create(custom, widget(f"late{len(seen)}"))  # later pages show it; the list version holds
    assert seen[:7] == [f"w{index}" for index in range(7)]
    assert len(versions) == 1


def test_validation_defaults_and_pruning(custom: client.CustomObjectsApi) -> None:
    missing = widget("w")
    missing["spec"] = {"color": "green"}
    with pytest.raises(ApiException) as caught:
        create(custom, missing)
    status = failure(caught.value)
    assert (caught.value.status, status["reason"]) == (422, "Invalid")
    assert status["message"].startswith(f'Widget.{GROUP} "w" is invalid: [')
    assert {cause["field"] for cause in status["details"]["causes"]} == {"spec.size", "spec.color"}
    assert (
        'spec.color: Unsupported value: "green": supported values: "red", "blue"'
        in status["message"]
    )

    too_big = widget("w", 11)
    with pytest.raises(ApiException) as caught:
        create(custom, too_big)
    assert failure(caught.value)["message"] == (
        f'Widget.{GROUP} "w" is invalid: spec.size: Invalid value: 11: '
        "spec.size in body should be less than or equal to 10"
    )

    unknown = widget("w", 2)
    unknown["spec"]["extra"] = "dropped"
    unknown["top"] = "dropped too"
    created = create(custom, unknown)
    assert created["spec"] == {"size": 2, "color": "red", "shape": {"corners": 4}}
    assert "top" not in created

    with pytest.raises(ApiException) as caught:
        patch(custom, "w", {"spec": {"tags": [1]}}, MERGE)
    assert failure(caught.value)["details"]["causes"][0]["field"] == "spec.tags[0]"


def test_builtin_secrets(core: client.CoreV1Api) -> None:
    secret = core.create_namespaced_secret(
        "default", {"metadata": {"name": "s"}, "stringData": {"k": "v"}}
    )
    assert secret.data == {"k": "dg=="}
    assert secret.type == "Opaque"
    status = core.delete_namespaced_secret("s", "default")
    assert status["status"] == "Success"
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_secret("s", "default")
    assert caught.value.status == 404


def test_schema_extensions_nullable_and_int_or_string(api_client: client.ApiClient) -> None:
    port = {"x-kubernetes-int-or-string": True}
    note = {"type": "string", "nullable": True}
    crd = {
        "metadata": {"name": f"gadgets.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Cluster",
            "names": {"plural": "gadgets", "kind": "Gadget"},
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"port": port, "note": note},
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    client.ApiextensionsV1Api(api_client).create_custom_resource_definition(crd)
    custom = client.CustomObjectsApi(api_client)

    def make(name: str, spec: dict[str, Any]) -> Any:
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Gadget",
            "metadata": {"name": name},
            "spec": spec,
        }
        return custom.create_cluster_custom_object(GROUP, VERSION, "gadgets", body)

    assert make("a", {"port": 80, "note": None})["spec"] == {"port": 80, "note": None}
    assert make("b", {"port": "http"})["spec"] == {"port": "http"}
    with pytest.raises(ApiException) as caught:
        make("c", {"port": 1.5})
    assert caught.value.status == 422
    assert "namespace" not in make("d", {})["metadata"]  # cluster-scoped
