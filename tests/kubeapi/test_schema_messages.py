"""Schema errors carry kube-apiserver's reasons and wording, which decide whether CEL rules run."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.conftest import serve_crd

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "maxLength": 3, "minLength": 2},
                "ports": {
                    "type": "array",
                    "maxItems": 2,
                    "minItems": 1,
                    "items": {"type": "integer"},
                },
                "labels": {
                    "type": "object",
                    "maxProperties": 1,
                    "minProperties": 1,
                    "additionalProperties": {"type": "string"},
                },
                "zones": {
                    "type": "array",
                    "x-kubernetes-list-type": "set",
                    "items": {"type": "string"},
                },
            },
        }
    },
}

CASES = [
    ({"name": "abcd"}, "FieldValueTooLong", "spec.name", "Too long: may not be more than 3 bytes"),
    (
        {"name": "a"},
        "FieldValueInvalid",
        "spec.name",
        'Invalid value: "a": spec.name in body should be at least 2 chars long',
    ),
    (
        {"ports": [1, 2, 3]},
        "FieldValueTooMany",
        "spec.ports",
        "Too many: 3: must have at most 2 items",
    ),
    (
        {"ports": []},
        "FieldValueInvalid",
        "spec.ports",
        "Invalid value: 0: spec.ports in body should have at least 1 items",
    ),
    (
        {"labels": {"a": "1", "b": "2"}},
        "FieldValueTooMany",
        "spec.labels",
        "Too many: 2: must have at most 1 items",
    ),
    (
        {"ports": ["80"]},
        "FieldValueTypeInvalid",
        "spec.ports[0]",
        'Invalid value: "string": spec.ports[0] in body must be of type integer: "string"',
    ),
    ({"zones": ["a", "b", "a"]}, "FieldValueDuplicate", "spec.zones[2]", 'Duplicate value: "a"'),
]


@pytest.fixture
def parts(api: KubeAPI) -> str:
    return serve_crd(api, "parts", "Part", SCHEMA)


@pytest.mark.parametrize(
    ("spec", "reason", "field", "message"), CASES, ids=[c[1] + c[2] for c in CASES]
)
def test_a_schema_error_has_the_api_servers_reason_and_wording(
    parts: str, spec: dict[str, Any], reason: str, field: str, message: str
) -> None:
    body = {
        "apiVersion": "tests.example.dev/v1",
        "kind": "Part",
        "metadata": {"name": "p"},
        "spec": spec,
    }
    response = requests.post(parts, json=body, timeout=10)
    assert response.status_code == 422, response.text
    assert response.json()["details"]["causes"] == [
        {"reason": reason, "message": message, "field": field}
    ]
