"""helm lint --strict and helm template with each shipped values file; every manifest validated.

Built-in kinds and the CRDs are checked against the Kubernetes JSON schemas (strict: unknown fields
fail); kopf's peering objects against the chart's own peering CRDs. ServiceMonitor and
PrometheusRule have no schema here; test_metrics.py checks what they select and hold.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.chart.helm import CHART, CI_VALUES, KUBERNETES, helm, render, template

VALUE_SETS = ["defaults", *sorted(CI_VALUES)]
CUSTOM_KINDS = {"ServiceMonitor", "PrometheusRule"}


def files(name: str) -> tuple[str, ...]:
    return () if name == "defaults" else (name,)


def chart_crd(kind: str) -> dict[str, Any]:
    for path in (CHART / "crds").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["spec"]["names"]["kind"] == kind:
                return doc  # type: ignore[no-any-return]
    raise AssertionError(f"the chart ships no CRD for {kind}")


def validate_custom_object(doc: dict[str, Any]) -> None:
    crd = chart_crd(doc["kind"])["spec"]
    version = doc["apiVersion"].partition("/")[2]
    assert doc["apiVersion"] == f"{crd['group']}/{version}"
    (schema,) = [v["schema"]["openAPIV3Schema"] for v in crd["versions"] if v["name"] == version]
    assert ("namespace" in doc["metadata"]) == (crd["scope"] == "Namespaced")
    jsonschema.Draft7Validator(schema).validate(
        {k: v for k, v in doc.items() if k not in ("apiVersion", "kind", "metadata")}
    )


@pytest.mark.parametrize("name", VALUE_SETS)
def test_lint_strict(name: str) -> None:
    args = ["lint", "--strict", str(CHART)]
    for path in files(name):
        args += ["--values", str(CI_VALUES[path])]
    result = helm(*args)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_manifest_is_valid(name: str) -> None:
    manifests = render(*files(name), include_crds=True)
    assert {"CustomResourceDefinition", "Deployment", "ServiceAccount"} <= manifests.kinds()
    for doc in manifests.docs:
        if doc["kind"] in CUSTOM_KINDS:
            continue
        if doc["apiVersion"].startswith("kopf.dev/"):
            validate_custom_object(doc)
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {path}: {exc.message}")


@pytest.mark.parametrize("name", VALUE_SETS)
def test_names_are_unique(name: str) -> None:
    keys = [
        (doc["kind"], doc["metadata"].get("namespace"), doc["metadata"]["name"])
        for doc in render(*files(name), include_crds=True).docs
    ]
    assert len(keys) == len(set(keys))


def test_needs_a_kubernetes_with_the_crd_features() -> None:
    """The Instance CRD's CEL rules with reason and fieldPath need Kubernetes 1.29."""
    assert template(extra=["--kube-version", "1.29.0"]).returncode == 0
    too_old = template(extra=["--kube-version", "1.28.9"])
    assert too_old.returncode != 0
    assert "kubeVersion" in too_old.stderr or "incompatible" in too_old.stderr


def test_notes_tell_what_to_do_next() -> None:
    result = helm(
        "install",
        "io",
        str(CHART),
        "--dry-run=client",
        "--namespace",
        "ops",
        "--set",
        "watchNamespaces={team-a}",
    )
    assert result.returncode == 0, result.stderr
    notes = result.stdout.split("NOTES:", 1)[1]
    assert (
        "kubectl -n team-a create secret generic openstack-credentials --from-file=clouds.yaml"
        in notes
    )
    assert "examples/clouds-secret.yaml" in notes
    assert "kubectl -n team-a apply -f examples/instance-minimal.yaml" in notes
    assert "kubectl -n team-a get instances -w" in notes
    assert "kubectl -n team-a wait --for=condition=Ready instance/web-1" in notes
    assert "rollout status deployment/io-instance-operator" in notes
