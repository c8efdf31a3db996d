"""The CRDs the chart installs: the generated Instance CRD, unchanged, and kopf's peering CRDs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.chart.helm import CHART, KUBERNETES, ROOT

CHART_CRDS = sorted((CHART / "crds").glob("*.yaml"))


def crds(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_the_instance_crd_is_the_generated_one() -> None:
    copy = CHART / "crds" / "instance.yaml"
    generated = ROOT / "crds" / "instance.yaml"
    assert copy.read_bytes() == generated.read_bytes(), (
        "charts/instance-operator/crds/instance.yaml differs from crds/instance.yaml: run 'make crds'"
    )


@pytest.mark.parametrize("path", CHART_CRDS, ids=lambda p: p.name)
def test_chart_crds_are_valid_apiextensions_v1(path: Path) -> None:
    docs = crds(path)
    assert docs
    for doc in docs:
        assert (doc["apiVersion"], doc["kind"]) == (
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
        )
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        spec = doc["spec"]
        assert doc["metadata"]["name"] == f"{spec['names']['plural']}.{spec['group']}"
        assert len([v for v in spec["versions"] if v["storage"] and v["served"]]) == 1


def test_kopf_peering_crds_are_what_kopf_writes_to() -> None:
    """kopf patches its peers into ``status`` of the object itself: no status subresource."""
    docs = {doc["spec"]["names"]["kind"]: doc for doc in crds(CHART / "crds" / "kopf-peering.yaml")}
    assert set(docs) == {"ClusterKopfPeering", "KopfPeering"}
    expected = {
        "ClusterKopfPeering": ("Cluster", "clusterkopfpeerings"),
        "KopfPeering": ("Namespaced", "kopfpeerings"),
    }
    for kind, (scope, plural) in expected.items():
        spec = docs[kind]["spec"]
        assert (spec["group"], spec["scope"], spec["names"]["plural"]) == (
            "kopf.dev",
            scope,
            plural,
        )
        (version,) = spec["versions"]
        assert (version["name"], version["served"], version["storage"]) == ("v1", True, True)
        assert "status" not in version.get("subresources", {})
        status = version["schema"]["openAPIV3Schema"]["properties"]["status"]
        assert status == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
