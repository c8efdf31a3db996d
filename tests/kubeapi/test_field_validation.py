"""Unknown fields per ``fieldValidation``, as kube-apiserver's handlers treat them.

``Strict`` refuses with 400 (create and update with the decode prefix, patch without), ``Warn``
(the default) stores the pruned object and answers with a ``Warning`` header per field,
``Ignore`` prunes silently; metadata fields ObjectMeta does not have count as unknown too.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.conftest import GROUP, PLURAL, VERSION, WIDGET_CRD, widget

CANNOT = 'Widget in version "v1" cannot be handled as a Widget: '


@pytest.fixture
def widgets(api: KubeAPI) -> str:
    url = f"{api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert requests.post(url, json=copy.deepcopy(WIDGET_CRD), timeout=10).status_code == 201
    return f"{api.url}/apis/{GROUP}/{VERSION}/namespaces/default/{PLURAL}"


def sloppy(name: str = "w") -> dict[str, Any]:
    body = widget(name, 2)
    body["spec"]["foo"] = 1
    body["metadata"]["bar"] = "x"
    return body


def bad_request(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["reason"], body["code"]) == ("BadRequest", 400)
    return str(body["message"])


def test_strict_refuses_a_create_naming_every_unknown_field(widgets: str) -> None:
    response = requests.post(f"{widgets}?fieldValidation=Strict", json=sloppy(), timeout=10)
    assert bad_request(response) == (
        f'{CANNOT}strict decoding error: unknown field "metadata.bar", unknown field "spec.foo"'
    )


def test_strict_refuses_an_update_and_a_patch(widgets: str) -> None:
    stored = requests.post(widgets, json=widget("w", 2), timeout=10).json()
    stored["spec"]["foo"] = 1
    update = requests.put(f"{widgets}/w?fieldValidation=Strict", json=stored, timeout=10)
    assert bad_request(update) == f'{CANNOT}strict decoding error: unknown field "spec.foo"'
    patch = requests.patch(
        f"{widgets}/w?fieldValidation=Strict",
        json={"spec": {"foo": 1}},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert bad_request(patch) == 'strict decoding error: unknown field "spec.foo"'


@pytest.mark.parametrize("query", ["", "?fieldValidation=Warn"], ids=["default", "Warn"])
def test_warn_stores_the_pruned_object_with_a_warning_per_field(widgets: str, query: str) -> None:
    response = requests.post(f"{widgets}{query}", json=sloppy(), timeout=10)
    assert response.status_code == 201, response.text
    assert response.raw.headers.getlist("Warning") == [
        '299 - "unknown field \\"metadata.bar\\""',
        '299 - "unknown field \\"spec.foo\\""',
    ]
    stored = response.json()
    assert "foo" not in stored["spec"]
    assert "bar" not in stored["metadata"]


def test_warn_on_a_json_patch(widgets: str) -> None:
    requests.post(widgets, json=widget("w", 2), timeout=10)
    response = requests.patch(
        f"{widgets}/w",
        json=[{"op": "add", "path": "/spec/foo", "value": 1}],
        headers={"Content-Type": "application/json-patch+json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Warning"] == '299 - "unknown field \\"spec.foo\\""'
    assert "foo" not in response.json()["spec"]


def test_ignore_prunes_silently(widgets: str) -> None:
    response = requests.post(f"{widgets}?fieldValidation=Ignore", json=sloppy(), timeout=10)
    assert response.status_code == 201, response.text
    assert "Warning" not in response.headers
    assert "foo" not in response.json()["spec"]


def test_a_known_object_gets_no_warning(widgets: str) -> None:
    response = requests.post(widgets, json=widget("w", 2), timeout=10)
    assert response.status_code == 201
    assert "Warning" not in response.headers


def test_an_unknown_directive_is_refused_on_the_requests_options(widgets: str) -> None:
    response = requests.post(f"{widgets}?fieldValidation=Loose", json=widget("w", 2), timeout=10)
    assert response.status_code == 422, response.text
    assert response.json()["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": '
        'supported values: "", "Ignore", "Strict", "Warn"'
    )


def test_unknown_fields_in_preserved_and_embedded_objects_are_kept(api: KubeAPI) -> None:
    crd = copy.deepcopy(WIDGET_CRD)
    spec_schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec_schema["properties"]["template"] = {
        "type": "object",
        "x-kubernetes-embedded-resource": True,
        "properties": {"data": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }
    url = f"{api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert requests.post(url, json=crd, timeout=10).status_code == 201
    body = widget("w", 2)
    body["spec"]["template"] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inner"},
        "data": {"anything": {"goes": True}},
        "extra": 1,
    }
    base = f"{api.url}/apis/{GROUP}/{VERSION}/namespaces/default/{PLURAL}"
    response = requests.post(f"{base}?fieldValidation=Strict", json=body, timeout=10)
    assert bad_request(response) == (
        f'{CANNOT}strict decoding error: unknown field "spec.template.extra"'
    )
    del body["spec"]["template"]["extra"]
    response = requests.post(f"{base}?fieldValidation=Strict", json=body, timeout=10)
    assert response.status_code == 201, response.text
    template = response.json()["spec"]["template"]
    assert template["metadata"] == {"name": "inner"}
    assert template["data"] == {"anything": {"goes": True}}


KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_shows_the_warnings_with_validate_warn(
    widgets: str, kubeconfig: Path, tmp_path: Path
) -> None:
    assert KUBECTL is not None
    body = widget("w", 2)
    body["spec"]["foo"] = 1
    command = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache")]
    created = subprocess.run(
        [*command, "create", "--validate=warn", "-f", "-"],
        input=yaml.safe_dump(body),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    assert 'Warning: unknown field "spec.foo"' in created.stderr


def test_repeated_keys_are_reported_before_unknown_fields(widgets: str) -> None:
    raw = b'{"apiVersion": "tests.example.dev/v1", "kind": "Widget", "metadata": {"name": "w"},'
    raw += b' "spec": {"size": 1, "size": 2, "tags": ["a"], "foo": 1}}'
    headers = {"Content-Type": "application/json"}
    strict = requests.post(
        f"{widgets}?fieldValidation=Strict", data=raw, headers=headers, timeout=10
    )
    assert bad_request(strict) == (
        f'{CANNOT}strict decoding error: duplicate field "spec.size", unknown field "spec.foo"'
    )
    warned = requests.post(widgets, data=raw, headers=headers, timeout=10)
    assert warned.status_code == 201, warned.text
    assert warned.raw.headers.getlist("Warning") == [
        '299 - "duplicate field \\"spec.size\\""',
        '299 - "unknown field \\"spec.foo\\""',
    ]
    assert warned.json()["spec"]["size"] == 2  # the last one wins


def test_a_json_patch_names_its_repeated_keys_by_operation(widgets: str) -> None:
    requests.post(widgets, json=widget("w", 2), timeout=10)
    raw = b'[{"op": "replace", "path": "/spec/size", "path": "/spec/size", "value": 3}]'
    response = requests.patch(
        f"{widgets}/w?fieldValidation=Strict",
        data=raw,
        headers={"Content-Type": "application/json-patch+json"},
        timeout=10,
    )
    assert bad_request(response) == 'strict decoding error: json patch duplicate field "[0].path"'
