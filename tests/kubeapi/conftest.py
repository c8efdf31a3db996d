"""Fixtures: a running emulated API server and clients that reach it over HTTP."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from kubernetes import client, config

from instance_operator.kubeapi import KubeAPI

GROUP = "tests.example.dev"
VERSION = "v1"
PLURAL = "widgets"


def serve_crd(api: KubeAPI, plural: str, kind: str, schema: dict[str, Any]) -> str:
    """Create a one-version CRD of the test group with this ``openAPIV3Schema``; the URL of its
    objects in the ``default`` namespace."""
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }
    created = requests.post(
        f"{api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json=crd, timeout=10
    )
    assert created.status_code == 201, created.text
    return f"{api.url}/apis/{GROUP}/{VERSION}/namespaces/default/{plural}"


# A test CRD with what the emulator must honour: a status subresource, required fields,
# bounds, an enum with a default, a nested default, and a status that keeps unknown fields.
WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {
            "plural": PLURAL,
            "singular": "widget",
            "kind": "Widget",
            "shortNames": ["wd"],
            "categories": ["all"],
        },
        "versions": [
            {
                "name": VERSION,
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {
                        "name": "Ready",
                        "type": "string",
                        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
                    },
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1, "maximum": 10},
                                    "color": {
                                        "type": "string",
                                        "enum": ["red", "blue"],
                                        "default": "red",
                                    },
                                    "shape": {
                                        "type": "object",
                                        "default": {},
                                        "properties": {
                                            "corners": {"type": "integer", "default": 4}
                                        },
                                    },
                                    "tags": {"type": "array", "items": {"type": "string"}},
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


def kopf_peering_crd(scope: str, kind: str) -> dict[str, Any]:
    """kopf's peering CRDs: no status subresource, a status that keeps whatever peers write."""
    plural = kind.lower() + "s"
    status = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return {
        "metadata": {"name": f"{plural}.kopf.dev"},
        "spec": {
            "scope": scope,
            "group": "kopf.dev",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {"type": "object", "properties": {"status": status}}
                    },
                }
            ],
        },
    }


KOPF_PEERING_CRDS = [
    kopf_peering_crd("Cluster", "ClusterKopfPeering"),
    kopf_peering_crd("Namespaced", "KopfPeering"),
]


def widget(name: str, size: int = 1, **labels: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = dict(labels)
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Widget",
        "metadata": metadata,
        "spec": {"size": size},
    }


@pytest.fixture
def api() -> Iterator[KubeAPI]:
    with KubeAPI(bookmark_interval=0.2, watch_history=50).running() as running:
        yield running


@pytest.fixture
def kubeconfig(api: KubeAPI, tmp_path: Path) -> Path:
    return api.write_kubeconfig(tmp_path / "kubeconfig.yaml")


@pytest.fixture
def api_client(kubeconfig: Path) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(config_file=str(kubeconfig))
    yield api_client
    api_client.close()


@pytest.fixture
def core(api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture
def custom(api_client: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client)


@pytest.fixture
def crd(api_client: client.ApiClient) -> dict[str, Any]:
    """The Widget CRD, created through the API."""
    extensions = client.ApiextensionsV1Api(api_client)
    created = extensions.create_custom_resource_definition(copy.deepcopy(WIDGET_CRD))
    return api_client.sanitize_for_serialization(created)  # type: ignore[no-any-return]
