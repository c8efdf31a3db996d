"""Schema ``format`` checks: the embedded API refuses what kube-apiserver's format registry does.

Each supported format is written once valid and once not through the HTTP API, and the refusal
must be the API server's ``FieldValueTypeInvalid`` cause; a format CRDs do not support is
ignored, as the API server ignores it.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from instance_operator.api.crd import instance_crd
from instance_operator.kubeapi import KubeAPI
from instance_operator.sandbox import example
from tests.kubeapi.conftest import serve_crd

# (format, a valid value, an invalid value)
FORMATS = [
    ("date-time", "2026-12-03T09:30:00Z", "yesterday"),
    ("date-time", "2026-12-03T09:30:00.123456+01:00", "2026-13-03T09:30:00Z"),
    ("date", "2026-12-03", "2026-12-32"),
    ("ipv4", "10.0.0.5", "10.0.0.999"),
    ("ipv4", "10.0.0.5", "::1"),
    ("ipv6", "fe80::1", "10.0.0.5"),
    ("cidr", "10.0.0.0/24", "10.0.0.0"),
    ("uuid", "8B8B0F5A-1C1E-4F55-9F3A-2B8F1B3C4D5E", "not-a-uuid"),
    ("uuid4", "8b8b0f5a-1c1e-4f55-9f3a-2b8f1b3c4d5e", "8b8b0f5a-1c1e-3f55-9f3a-2b8f1b3c4d5e"),
    ("byte", "aGVsbG8=", "hello!"),
    ("hostname", "api.example.com", "-bad-.example.com"),
    ("mac", "01:23:45:67:89:ab", "01:23:45"),
    ("duration", "1h30m", "soon"),
    ("email", "ops@example.com", "ops"),
    ("bsonobjectid", "507f1f77bcf86cd799439011", "507f1f77"),
    ("hexcolor", "#ff0000", "red"),
]


@pytest.fixture
def things(api: KubeAPI) -> str:
    properties: dict[str, Any] = {
        name.replace("-", ""): {"type": "string", "format": name} for name, _, _ in FORMATS
    }
    properties["unsupported"] = {"type": "string", "format": "int32"}
    return serve_crd(
        api,
        "things",
        "Thing",
        {"type": "object", "properties": {"spec": {"type": "object", "properties": properties}}},
    )


def thing(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "tests.example.dev/v1",
        "kind": "Thing",
        "metadata": {"name": name},
        "spec": spec,
    }


@pytest.mark.parametrize(("fmt", "good", "bad"), FORMATS, ids=str)
def test_a_format_accepts_a_valid_value_and_refuses_an_invalid_one(
    things: str, fmt: str, good: str, bad: str
) -> None:
    field = fmt.replace("-", "")
    accepted = requests.post(things, json=thing("good", {field: good}), timeout=10)
    assert accepted.status_code == 201, accepted.text

    refused = requests.post(things, json=thing("bad", {field: bad}), timeout=10)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["details"]["causes"] == [
        {
            "reason": "FieldValueTypeInvalid",
            "message": f'Invalid value: "{bad}": spec.{field} in body must be of type {fmt}: "{bad}"',
            "field": f"spec.{field}",
        }
    ]
    assert body["message"] == (
        f'Thing.tests.example.dev "bad" is invalid: spec.{field}: Invalid value: "{bad}": '
        f'spec.{field} in body must be of type {fmt}: "{bad}"'
    )


def test_a_format_crds_do_not_support_is_ignored(things: str) -> None:
    response = requests.post(things, json=thing("any", {"unsupported": "not a number"}), timeout=10)
    assert response.status_code == 201, response.text


def test_the_instance_status_times_are_date_times(api: KubeAPI) -> None:
    url = f"{api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    assert requests.post(url, json=instance_crd(), timeout=10).status_code == 201
    base = f"{api.url}/apis/instance-operator.dev/v1alpha1/namespaces/default/instances"
    instance = example("instance-minimal.yaml")
    assert requests.post(base, json=instance, timeout=10).status_code == 201
    name = instance["metadata"]["name"]
    stop = {"token": "t1", "result": "Pending", "requestedAt": "just now"}
    response = requests.patch(
        f"{base}/{name}/status",
        json={"status": {"actions": {"stop": stop}}},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert response.status_code == 422, response.text
    assert [cause["field"] for cause in response.json()["details"]["causes"]] == [
        "status.actions.stop.requestedAt",
        "<nil>",  # a type error stops the CEL rules, as on the API server
    ]
