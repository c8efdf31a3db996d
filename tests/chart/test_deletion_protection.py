"""Deletion protection: the chart's ValidatingAdmissionPolicy and its binding, and the policy's CEL.

The expression and the messageExpression are read from the rendered chart and evaluated with
cel-python against activations shaped as kube-apiserver binds them on a DELETE (``object`` null,
``oldObject`` the stored Instance), so what is tested is what ships. The policy uses only the
fields the project's embedded API server models; the test pins the exact field set.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import pytest
import yaml
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError

from tests.chart.helm import CHART, NAMESPACE, RELEASE, ROOT, Manifests, helm, render, template

ANNOTATION = "instance-operator.dev/deletion-protection"
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
DEFAULTS = yaml.safe_load((CHART / "values.yaml").read_text())
INSTANCE_CRD = yaml.safe_load((CHART / "crds" / "instance.yaml").read_text())


def policy(manifests: Manifests) -> dict[str, Any]:
    return manifests.one("ValidatingAdmissionPolicy")


def binding(manifests: Manifests) -> dict[str, Any]:
    return manifests.one("ValidatingAdmissionPolicyBinding")


def validation() -> dict[str, Any]:
    (rule,) = policy(render())["spec"]["validations"]
    return rule  # type: ignore[no-any-return]


def test_rendered_by_default_for_the_instance_crd() -> None:
    manifests = render()
    shipped = policy(manifests)
    assert shipped["apiVersion"] == "admissionregistration.k8s.io/v1"
    name = shipped["metadata"]["name"]
    assert name == f"{RELEASE}-instance-operator-deletion-protection"
    assert "namespace" not in shipped["metadata"]  # cluster-scoped
    assert shipped["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE
    # Exactly these fields: the embedded API server refuses those it does not model.
    assert shipped["spec"] == {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": [INSTANCE_CRD["spec"]["group"]],
                    "apiVersions": ["*"],
                    "operations": ["DELETE"],
                    "resources": [INSTANCE_CRD["spec"]["names"]["plural"]],
                }
            ]
        },
        "validations": [validation()],
    }
    assert set(validation()) == {"expression", "message", "messageExpression", "reason"}
    assert validation()["reason"] == "Forbidden"  # 403, not the default 422 Invalid

    bound = binding(manifests)
    assert bound["apiVersion"] == "admissionregistration.k8s.io/v1"
    assert bound["metadata"]["name"] == name
    assert "namespace" not in bound["metadata"]
    assert bound["spec"] == {"policyName": name, "validationActions": ["Deny"]}


def test_two_releases_do_not_collide() -> None:
    """Both objects are cluster-scoped: a second release must not take over the first's."""
    result = helm("template", "other", str(CHART), "--namespace", "elsewhere")
    assert result.returncode == 0, result.stderr
    other = Manifests(tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc))
    names = {policy(other)["metadata"]["name"], binding(other)["metadata"]["name"]}
    assert names == {"other-instance-operator-deletion-protection"}
    assert binding(other)["spec"]["policyName"] == policy(other)["metadata"]["name"]
    assert policy(other)["metadata"]["name"] != policy(render())["metadata"]["name"]


def test_absent_when_disabled() -> None:
    manifests = render(extra=["--set", "deletionProtection.enabled=false"])
    assert not manifests.of("ValidatingAdmissionPolicy")
    assert not manifests.of("ValidatingAdmissionPolicyBinding")


@pytest.mark.parametrize(
    ("version", "rendered"),
    [("1.29.9", False), ("1.30.0", True), ("v1.30.2-eks-2d98532", True), ("1.35.0", True)],
)
def test_only_where_the_v1_api_exists(version: str, rendered: bool) -> None:
    """admissionregistration.k8s.io/v1 policies are served from Kubernetes 1.30; the chart itself
    installs on 1.29, where the operator's finalizer is the fallback."""
    manifests = render(extra=["--kube-version", version])
    assert bool(manifests.of("ValidatingAdmissionPolicy")) is rendered
    assert bool(manifests.of("ValidatingAdmissionPolicyBinding")) is rendered


@pytest.mark.parametrize(
    ("override", "where"),
    [
        ({"deletionProtection": {"enabled": "yes"}}, "/deletionProtection/enabled"),
        ({"deletionProtection": {"enabled": 1}}, "/deletionProtection/enabled"),
        ({"deletionProtection": True}, "/deletionProtection"),
    ],
)
def test_the_switch_must_be_a_boolean(override: dict[str, Any], where: str, tmp_path: Path) -> None:
    values = {**DEFAULTS, **override}
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(values))
    assert ["/" + "/".join(map(str, e.absolute_path)) for e in errors] == [where]
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(override))
    rendered = template(path)
    assert rendered.returncode != 0
    assert where in rendered.stderr


def test_a_misspelt_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("deletionProtection: {enable: false}\n")
    rendered = template(path)
    assert rendered.returncode != 0
    assert "enable" in rendered.stderr


def test_the_notes_say_what_protects_instances(tmp_path: Path) -> None:
    """NOTES.txt names the policy, or on an older cluster says that only the finalizer
    protects. Rendered into a ConfigMap by a copy of the chart, since `helm install
    --dry-run=client` takes no --kube-version and `helm template` skips the notes."""
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    templates = chart / "templates"
    text = (templates / "NOTES.txt").read_text()
    (templates / "NOTES.txt").unlink()
    (templates / "_notes.tpl").write_text('{{- define "notes" }}' + text + "{{- end }}")
    (templates / "notes.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n"
        'data: {notes: {{ include "notes" . | toJson }}}\n'
    )

    def notes(*extra: str) -> str:
        args = ["template", RELEASE, str(chart), "--namespace", NAMESPACE, *extra]
        result = helm(*args, "--show-only", "templates/notes.yaml")
        assert result.returncode == 0, result.stderr
        return " ".join(yaml.safe_load(result.stdout)["data"]["notes"].split())

    assert (
        f"Instances annotated {ANNOTATION}=true cannot be deleted (the ValidatingAdmissionPolicy "
        f"{RELEASE}-instance-operator-deletion-protection)."
    ) in notes()
    old = notes("--kube-version", "1.29.4")
    assert "Kubernetes v1.29.4 has no ValidatingAdmissionPolicy v1" in old
    assert "protected only by the operator's finalizer" in old
    assert ANNOTATION not in notes("--set", "deletionProtection.enabled=false")


# The policy's CEL, evaluated on DELETE-shaped activations.

_ENV = celpy.Environment()


def instance(annotations: dict[str, str] | None) -> dict[str, Any]:
    """The stored Instance as ``oldObject`` shows it: examples/instance-minimal.yaml as the API
    server keeps it, with these annotations (None: no ``metadata.annotations`` at all)."""
    doc: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "instance-minimal.yaml").read_text())
    doc["metadata"].update(
        namespace="team-a",
        uid="8b8b0f5a-1c1e-4f55-9f3a-2b8f1b3c4d5e",
        resourceVersion="42",
        generation=1,
        finalizers=["instance-operator.dev/finalizer"],
    )
    if annotations is not None:
        doc["metadata"]["annotations"] = annotations
    return doc


def on_delete(stored: dict[str, Any]) -> dict[str, Any]:
    """The variables kube-apiserver binds for a DELETE: no ``object``, ``oldObject`` the stored
    object, the request's name from the URL."""
    request = {
        "operation": "DELETE",
        "name": stored["metadata"]["name"],
        "namespace": stored["metadata"]["namespace"],
        "resource": {
            "group": "instance-operator.dev",
            "version": "v1alpha1",
            "resource": "instances",
        },
    }
    return {
        "object": json_to_cel(None),
        "oldObject": json_to_cel(stored),
        "request": json_to_cel(request),
    }


def evaluate(expression: str, activation: dict[str, Any]) -> Any:
    """The result, or fail on an evaluation error (under failurePolicy Fail, a 422 denial)."""
    result = _ENV.program(_ENV.compile(expression)).evaluate(activation)
    assert not isinstance(result, CELEvalError), f"evaluation error: {result!r}"
    return result


@pytest.mark.parametrize(
    ("annotations", "allowed"),
    [
        pytest.param(None, True, id="no annotations"),
        pytest.param({}, True, id="empty annotations"),
        pytest.param({"example.com/owner": "team-a"}, True, id="other annotations only"),
        pytest.param({ANNOTATION: "true"}, False, id="protected"),
        pytest.param({ANNOTATION: "true", "example.com/owner": "a"}, False, id="protected+other"),
        pytest.param({ANNOTATION: "false"}, True, id="false"),
        pytest.param({ANNOTATION: "True"}, True, id="True: the match is exact"),
        pytest.param({ANNOTATION: ""}, True, id="empty value"),
        pytest.param({f"{ANNOTATION}-x": "true"}, True, id="another key with the prefix"),
    ],
)
def test_the_expression_denies_only_the_protected(
    annotations: dict[str, str] | None, allowed: bool
) -> None:
    result = evaluate(validation()["expression"], on_delete(instance(annotations)))
    assert isinstance(result, celtypes.BoolType)
    assert bool(result) is allowed


def test_the_message_expression_tells_how_to_unprotect() -> None:
    """The messageExpression is a single-line string (the API server drops any other and falls
    back to ``message``) with the command that removes the annotation."""
    stored = instance({ANNOTATION: "true"})
    message = evaluate(validation()["messageExpression"], on_delete(stored))
    assert isinstance(message, str)
    assert str(message) == (
        f"Instance team-a/web-1 is protected by the annotation {ANNOTATION}=true; remove it first: "
        f"kubectl annotate instance web-1 -n team-a {ANNOTATION}-"
    )
    assert "\n" not in message
    assert message == message.strip()
    assert len(message.encode()) <= 5 * 1024


def test_the_static_message_is_one_line_with_the_command() -> None:
    message = validation()["message"]
    assert "\n" not in message
    assert message == message.strip()
    assert f"{ANNOTATION}=true" in message
    assert f"kubectl annotate instance <name> {ANNOTATION}-" in message
