"""Server-side apply, field ownership and dry runs, as a real API server does them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.test_kubectl import KUBECTL, kubectl

GROUP = "tests.example.dev"
API_VERSION = f"{GROUP}/v1"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"

#: One field of every kind apply tells apart.
GADGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"gadgets.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "integer"},
                                    "color": {"type": "string", "default": "red"},
                                    "atomic": {"type": "array", "items": {"type": "string"}},
                                    "set": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                        "x-kubernetes-list-type": "set",
                                    },
                                    "ports": {
                                        "type": "array",
                                        "x-kubernetes-list-type": "map",
                                        "x-kubernetes-list-map-keys": ["name", "protocol"],
                                        "items": {
                                            "type": "object",
                                            "required": ["name", "protocol"],
                                            "properties": {
                                                "name": {"type": "string"},
                                                "protocol": {"type": "string"},
                                                "port": {"type": "integer"},
                                                "note": {"type": "string"},
                                            },
                                        },
                                    },
                                    "tags": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                    },
                                    "selector": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                        "x-kubernetes-map-type": "atomic",
                                    },
                                },
                            },
                            "status": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            },
                        },
                    }
                },
            }
        ],
    },
}


class Client:
    """Raw HTTP, so that every header and query parameter is the test's own."""

    def __init__(self, url: str) -> None:
        self.base = f"{url}/apis/{GROUP}/v1/namespaces/default/gadgets"

    def apply(
        self, body: dict[str, Any], manager: str | None = "argocd-controller", **query: str
    ) -> requests.Response:
        if manager is not None:
            query["fieldManager"] = manager
        return requests.patch(
            f"{self.base}/{body['metadata']['name']}",
            data=yaml.safe_dump(body),
            params=query,
            headers={"Content-Type": APPLY},
            timeout=10,
        )

    def merge(
        self, name: str, patch: Any, agent: str = "kubectl-edit/v1.36.2 (linux/amd64)", **query: str
    ) -> requests.Response:
        return requests.patch(
            f"{self.base}/{name}{query.pop('subresource', '')}",
            json=patch,
            params=query,
            headers={"Content-Type": MERGE, "User-Agent": agent},
            timeout=10,
        )

    def get(self, name: str) -> dict[str, Any]:
        response = requests.get(f"{self.base}/{name}", timeout=10)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def rv(self) -> str:
        """The list resourceVersion: the server's latest write, so any write moves it."""
        return str(requests.get(self.base, timeout=10).json()["metadata"]["resourceVersion"])


@pytest.fixture
def gadgets(api: KubeAPI) -> Client:
    created = requests.post(
        f"{api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        json=GADGET_CRD,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return Client(api.url)


def gadget(name: str = "g", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": "Gadget", "metadata": {"name": name}, "spec": spec}


def ok(response: requests.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def entries(obj: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    """managedFields by (manager, operation) or, for a subresource, (manager, operation, it)."""
    found = {}
    for entry in obj["metadata"]["managedFields"]:
        subresource = (entry["subresource"],) if "subresource" in entry else ()
        found[(entry["manager"], entry["operation"], *subresource)] = entry
    return found


def fields(obj: dict[str, Any], manager: str, *operation: str) -> Any:
    return entries(obj)[(manager, *(operation or ("Apply",)))]["fieldsV1"]


# -- apply, ownership, conflicts ---------------------------------------------------------------


def test_apply_creates_and_records_the_applier(gadgets: Client) -> None:
    config = gadget(size=2, set=["a"], ports=[{"name": "http", "protocol": "TCP", "port": 80}])
    config["metadata"]["labels"] = {"app": "web"}
    created = ok(gadgets.apply(config), 201)
    assert created["spec"]["color"] == "red"  # defaulted, and owned by nobody
    (entry,) = created["metadata"]["managedFields"]
    assert {key: entry[key] for key in ("manager", "operation", "apiVersion", "fieldsType")} == {
        "manager": "argocd-controller",
        "operation": "Apply",
        "apiVersion": API_VERSION,
        "fieldsType": "FieldsV1",
    }
    assert entry["time"].endswith("Z")
    assert "subresource" not in entry
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:app": {}}},
        "f:spec": {
            "f:size": {},
            "f:set": {'v:"a"': {}},
            "f:ports": {
                'k:{"name":"http","protocol":"TCP"}': {
                    ".": {},
                    "f:name": {},
                    "f:protocol": {},
                    "f:port": {},
                }
            },
        },
    }

    again = ok(gadgets.apply(config))
    assert again == created  # nothing changed: same resourceVersion, same time


def test_every_other_write_records_an_update_entry(gadgets: Client) -> None:
    ok(gadgets.apply(gadget(size=2)), 201)
    patched = ok(gadgets.merge("g", {"metadata": {"labels": {"team": "a"}}}))
    assert fields(patched, "kubectl-edit", "Update") == {
        "f:metadata": {"f:labels": {".": {}, "f:team": {}}}
    }
    named = ok(gadgets.merge("g", {"spec": {"atomic": ["x"]}}, fieldManager="helm"))
    assert fields(named, "helm", "Update") == {"f:spec": {"f:atomic": {}}}
    status = ok(gadgets.merge("g", {"status": {"phase": "Up"}}, subresource="/status"))
    assert fields(status, "kubectl-edit", "Update", "status") == {
        "f:status": {".": {}, "f:phase": {}}
    }
    # A write that changes nothing takes nothing and stores nothing.
    assert ok(gadgets.merge("g", {"spec": {"atomic": ["x"]}}, fieldManager="helm")) == status


def test_a_changed_field_moves_to_its_writer_and_then_conflicts(gadgets: Client) -> None:
    ok(gadgets.apply(gadget(size=2, color="blue")), 201)
    edited = ok(gadgets.merge("g", {"spec": {"size": 3, "color": "green"}}))
    assert fields(edited, "kubectl-edit", "Update") == {"f:spec": {"f:size": {}, "f:color": {}}}
    assert ("argocd-controller", "Apply") not in entries(edited)  # left with nothing

    conflict = gadgets.apply(gadget(size=2, color="green"))
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["reason"] == "Conflict"
    assert body["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-edit" using tests.example.dev/v1: '
        ".spec.size"
    )  # the same value (green) is shared, not a conflict
    assert body["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-edit" using tests.example.dev/v1',
            "field": ".spec.size",
        }
    ]
    assert gadgets.get("g")["spec"]["size"] == 3

    two = gadgets.apply(gadget(size=4, color="pink"))
    assert two.status_code == 409
    assert two.json()["message"] == (
        "Apply failed with 2 conflicts: conflicts with "
        '"kubectl-edit" using tests.example.dev/v1:\n- .spec.color\n- .spec.size'
    )

    forced = ok(gadgets.apply(gadget(size=4, color="pink"), force="true"))
    assert forced["spec"]["size"] == 4
    assert fields(forced, "argocd-controller") == {"f:spec": {"f:size": {}, "f:color": {}}}
    assert ("kubectl-edit", "Update") not in entries(forced)


def test_apply_removes_what_it_stopped_setting_unless_someone_else_owns_it(
    gadgets: Client,
) -> None:
    first = gadget(size=2, atomic=["x"], tags={"a": "1", "b": "2"})
    first["metadata"]["labels"] = {"app": "web"}
    ok(gadgets.apply(first), 201)
    ok(gadgets.apply(gadget(tags={"b": "2"}), manager="other"))  # shares tags.b

    second = ok(gadgets.apply(gadget(size=2)))
    assert second["spec"] == {"size": 2, "color": "red", "tags": {"b": "2"}}
    assert "labels" not in second["metadata"]
    assert fields(second, "argocd-controller") == {"f:spec": {"f:size": {}}}


def test_lists_and_maps_merge_by_their_schema(gadgets: Client) -> None:
    http = {"name": "http", "protocol": "TCP", "port": 80}
    dns = {"name": "dns", "protocol": "UDP", "port": 53}
    ok(
        gadgets.apply(
            gadget(atomic=["a"], set=["a"], ports=[http], tags={"a": "1"}, selector={"a": "1"})
        ),
        201,
    )
    merged = ok(
        gadgets.apply(
            gadget(atomic=["b"], set=["b"], ports=[dns], tags={"b": "2"}, selector={"b": "2"}),
            manager="other",
            force="true",
        )
    )
    spec = merged["spec"]
    assert spec["atomic"] == ["b"]  # atomic list: replaced whole, ownership taken
    assert spec["set"] == ["a", "b"]  # set: items by value, each its owner's
    assert spec["ports"] == [http, dns]  # map-list: items by (name, protocol)
    assert spec["tags"] == {"a": "1", "b": "2"}  # granular map
    assert spec["selector"] == {"b": "2"}  # atomic map
    assert fields(merged, "argocd-controller") == {
        "f:spec": {
            "f:set": {'v:"a"': {}},
            "f:ports": {
                'k:{"name":"http","protocol":"TCP"}': {
                    ".": {},
                    "f:name": {},
                    "f:port": {},
                    "f:protocol": {},
                }
            },
            "f:tags": {"f:a": {}},
        }
    }

    # A field of one item, owned by another manager, conflicts with a change to it.
    patched = copy.deepcopy(dns)
    patched["port"] = 5353
    conflict = gadgets.apply(gadget(set=["a"], ports=[http, patched], tags={"a": "1"}))
    assert conflict.status_code == 409
    assert conflict.json()["message"] == (
        'Apply failed with 1 conflict: conflict with "other": .spec.ports[name="dns",protocol="UDP"].port'
    )
    # Dropping its set item and map-list item removes exactly those.
    dropped = ok(gadgets.apply(gadget(tags={"a": "1"})))
    assert dropped["spec"]["set"] == ["b"]
    assert dropped["spec"]["ports"] == [dns]


def test_the_operators_kind_of_writes_never_conflict_with_the_applier(gadgets: Client) -> None:
    config = gadget(size=2)
    ok(gadgets.apply(config), 201)
    kopf = "kopf/1.37.2"
    ok(gadgets.merge("g", {"metadata": {"finalizers": ["x.dev/finalizer"]}}, agent=kopf))
    stored = ok(
        gadgets.merge("g", {"status": {"phase": "Ready"}}, agent=kopf, subresource="/status")
    )
    for entry in stored["metadata"]["managedFields"]:
        if entry["manager"] != "argocd-controller":
            assert "f:spec" not in entry["fieldsV1"], entry
    assert fields(stored, "kopf", "Update", "status") == {"f:status": {".": {}, "f:phase": {}}}
    assert fields(stored, "kopf", "Update") == {
        "f:metadata": {"f:finalizers": {".": {}, 'v:"x.dev/finalizer"': {}}}
    }

    again = ok(gadgets.apply(config))
    assert again == stored


def test_apply_to_the_main_endpoint_never_owns_status(gadgets: Client) -> None:
    config = gadget(size=2)
    config["status"] = {"phase": "Fake"}
    created = ok(gadgets.apply(config), 201)
    assert "status" not in created
    assert fields(created, "argocd-controller") == {"f:spec": {"f:size": {}}}

    # And an apply to /status owns status alone, under its own entry.
    report = gadget(size=9)
    report["status"] = {"phase": "Up"}
    response = requests.patch(
        f"{gadgets.base}/g/status",
        data=yaml.safe_dump(report),
        params={"fieldManager": "reporter"},
        headers={"Content-Type": APPLY},
        timeout=10,
    )
    reported = ok(response)
    assert reported["status"] == {"phase": "Up"}
    assert reported["spec"]["size"] == 2
    assert fields(reported, "reporter", "Apply", "status") == {"f:status": {"f:phase": {}}}


def test_at_most_ten_update_managers_are_kept(gadgets: Client) -> None:
    ok(gadgets.apply(gadget(size=1)), 201)
    for index in range(11):
        labels = {"metadata": {"labels": {f"l{index}": "x"}}}
        stored = ok(gadgets.merge("g", labels, fieldManager=f"m{index:02}"))
    updaters = [
        entry for entry in stored["metadata"]["managedFields"] if entry["operation"] == "Update"
    ]
    assert len(updaters) == 10
    assert fields(stored, "ancient-changes", "Update") == {
        "f:metadata": {"f:labels": {".": {}, "f:l0": {}, "f:l1": {}}}
    }  # the two oldest, m00 and m01 (same second: by name)
    assert ("m00", "Update") not in entries(stored)
    assert ("argocd-controller", "Apply") in entries(stored)


# -- bad requests --------------------------------------------------------------------------------


def test_bad_apply_requests(gadgets: Client) -> None:
    missing = gadgets.apply(gadget(size=1), manager=None)
    assert missing.status_code == 422
    assert missing.json()["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
    )
    forced = gadgets.merge("g", {"spec": {"size": 1}}, force="true")
    assert forced.status_code == 422
    assert forced.json()["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch'
    )
    other = gadget(size=1)
    other["apiVersion"] = f"{GROUP}/v2"
    wrong = gadgets.apply(other)
    assert wrong.status_code == 400
    assert wrong.json()["message"] == (
        "Incorrect version specified in apply patch. Specified patch version: tests.example.dev/v2, "
        "expected: tests.example.dev/v1"
    )
    sneaky = gadget(size=1)
    sneaky["metadata"]["managedFields"] = [{"manager": "x", "operation": "Apply"}]
    refused = gadgets.apply(sneaky)
    assert refused.status_code == 400
    assert refused.json()["message"] == "metadata.managedFields must be nil"
    garbled = requests.patch(
        f"{gadgets.base}/g",
        data=b"spec: [unclosed",
        params={"fieldManager": "m"},
        headers={"Content-Type": APPLY},
        timeout=10,
    )
    assert garbled.status_code == 400
    assert garbled.json()["message"].startswith("error decoding patch: ")


def test_managed_fields_cannot_be_edited_into_nonsense(gadgets: Client) -> None:
    created = ok(gadgets.apply(gadget(size=1)), 201)
    broken = copy.deepcopy(created["metadata"]["managedFields"])
    broken[0]["operation"] = "Steal"
    refused = gadgets.merge("g", {"metadata": {"managedFields": broken}})
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        'Gadget.tests.example.dev "g" is invalid: metadata.managedFields[0].operation: '
        'Invalid value: "Steal": must be `Apply` or `Update`'
    )
    # Undecodable entries are ignored (the live ones stay); an empty list clears them.
    garbage = [{"manager": "x", "operation": "Update", "fieldsType": "FieldsV2"}]
    kept = ok(gadgets.merge("g", {"metadata": {"managedFields": garbage}}))
    assert kept["metadata"]["managedFields"] == created["metadata"]["managedFields"]
    cleared = ok(gadgets.merge("g", {"metadata": {"managedFields": []}}))
    assert "managedFields" not in cleared["metadata"]
    # Untracked now: Updates record nothing, and the first apply meets an owner of everything.
    edited = ok(gadgets.merge("g", {"spec": {"size": 2}}))
    assert "managedFields" not in edited["metadata"]
    conflict = gadgets.apply(gadget(size=3))
    assert conflict.status_code == 409
    assert conflict.json()["message"] == (
        'Apply failed with 1 conflict: conflict with "before-first-apply" using '
        "tests.example.dev/v1: .spec.size"
    )
    adopted = ok(gadgets.apply(gadget(size=2)))
    assert fields(adopted, "argocd-controller") == {"f:spec": {"f:size": {}}}
    assert fields(adopted, "before-first-apply", "Update")["f:spec"] == {
        ".": {},
        "f:size": {},
        "f:color": {},
    }


def test_the_manager_comes_from_the_user_agent(gadgets: Client) -> None:
    ok(gadgets.apply(gadget(size=1)), 201)
    agent = "kube\tcontroller-manager/v1.36.2 (linux/amd64) kubernetes/abc"
    patched = ok(gadgets.merge("g", {"spec": {"size": 2}}, agent=agent))
    assert ("kubecontroller-manager", "Update") in entries(patched)
    long = ok(gadgets.merge("g", {"spec": {"size": 3}}, agent="m" * 200))
    assert ("m" * 128, "Update") in entries(long)


# -- dry runs ----------------------------------------------------------------------------------


def test_dry_run_runs_everything_and_stores_nothing(gadgets: Client, api: KubeAPI) -> None:
    before = gadgets.rv()
    created = ok(
        requests.post(gadgets.base, json=gadget(size=1), params={"dryRun": "All"}, timeout=10), 201
    )
    assert created["spec"]["color"] == "red"  # defaulted
    assert "resourceVersion" not in created["metadata"]
    assert created["metadata"]["managedFields"][0]["operation"] == "Update"
    invalid = requests.post(
        gadgets.base, json=gadget(size="big"), params={"dryRun": "All"}, timeout=10
    )
    assert invalid.status_code == 422  # validated all the same
    applied = ok(gadgets.apply(gadget(size=1), dryRun="All"), 201)
    assert applied["metadata"]["managedFields"][0]["operation"] == "Apply"
    assert api.objects("gadgets", "default") == []
    assert gadgets.rv() == before

    stored = ok(gadgets.apply(gadget(size=1)), 201)
    rv = gadgets.rv()
    changed = ok(gadgets.apply(gadget(size=5), dryRun="All"))
    assert changed["spec"]["size"] == 5
    assert changed["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    patched = ok(gadgets.merge("g", {"spec": {"size": 6}}, dryRun="All"))
    assert patched["spec"]["size"] == 6
    body = copy.deepcopy(stored)
    body["spec"]["size"] = 7
    put = requests.put(f"{gadgets.base}/g", json=body, params={"dryRun": "All"}, timeout=10)
    assert ok(put)["spec"]["size"] == 7
    deleted = requests.delete(f"{gadgets.base}/g", params={"dryRun": "All"}, timeout=10)
    assert deleted.status_code == 200, deleted.text
    in_body = requests.delete(f"{gadgets.base}/g", json={"dryRun": ["All"]}, timeout=10)
    assert in_body.status_code == 200, in_body.text
    assert gadgets.get("g") == stored
    assert gadgets.rv() == rv


@pytest.mark.parametrize("verb", ["create", "update", "patch", "apply", "delete"])
def test_unknown_dry_run_values_are_refused(gadgets: Client, verb: str) -> None:
    ok(gadgets.apply(gadget(size=1)), 201)
    url, params = f"{gadgets.base}/g", {"dryRun": "Yes"}
    kind = {"create": "Create", "update": "Update", "delete": "Delete"}.get(verb, "Patch")
    if verb == "create":
        response = requests.post(gadgets.base, json=gadget("h", size=1), params=params, timeout=10)
    elif verb == "update":
        response = requests.put(url, json=gadgets.get("g"), params=params, timeout=10)
    elif verb == "patch":
        response = gadgets.merge("g", {"spec": {"size": 2}}, **params)
    elif verb == "apply":
        response = gadgets.apply(gadget(size=2), **params)
    else:
        response = requests.delete(url, params=params, timeout=10)
    assert response.status_code == 422
    assert response.json()["message"] == (
        f'{kind}Options.meta.k8s.io "" is invalid: '
        'dryRun: Unsupported value: []string{"Yes"}: supported values: "All"'
    )
    assert gadgets.get("g")["spec"]["size"] == 1


def test_json_apply_bodies_are_yaml_too(gadgets: Client) -> None:
    response = requests.patch(
        f"{gadgets.base}/g",
        data=json.dumps(gadget(size=3)),
        params={"fieldManager": "flux"},
        headers={"Content-Type": APPLY},
        timeout=10,
    )
    assert ok(response, 201)["spec"]["size"] == 3


# -- kubectl -----------------------------------------------------------------------------------


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_apply_and_diff_server_side(
    gadgets: Client, kubeconfig: Path, tmp_path: Path
) -> None:
    manifest = yaml.safe_dump(gadget(size=2, set=["a"]))
    applied = kubectl(tmp_path, kubeconfig, "apply", "--server-side", "-f", "-", stdin=manifest)
    assert applied.returncode == 0, applied.stderr
    assert "serverside-applied" in applied.stdout
    assert fields(gadgets.get("g"), "kubectl") == {"f:spec": {"f:size": {}, "f:set": {'v:"a"': {}}}}

    same = kubectl(tmp_path, kubeconfig, "diff", "--server-side", "-f", "-", stdin=manifest)
    assert (same.returncode, same.stdout) == (0, ""), same.stderr
    changed = yaml.safe_dump(gadget(size=3, set=["a"]))
    diff = kubectl(tmp_path, kubeconfig, "diff", "--server-side", "-f", "-", stdin=changed)
    assert diff.returncode == 1, diff.stderr
    assert "-  size: 2\n+  size: 3" in diff.stdout
    assert gadgets.get("g")["spec"]["size"] == 2

    other = yaml.safe_dump(gadget(size=3))
    argv = ("apply", "--server-side", "--field-manager", "flux", "-f", "-")
    refused = kubectl(tmp_path, kubeconfig, *argv, stdin=other)
    assert refused.returncode != 0
    assert 'Apply failed with 1 conflict: conflict with "kubectl": .spec.size' in refused.stderr
    forced = kubectl(tmp_path, kubeconfig, *argv, "--force-conflicts", stdin=other)
    assert forced.returncode == 0, forced.stderr
    stored = gadgets.get("g")
    assert stored["spec"]["size"] == 3
    assert fields(stored, "flux") == {"f:spec": {"f:size": {}}}
    assert fields(stored, "kubectl") == {"f:spec": {"f:set": {'v:"a"': {}}}}
