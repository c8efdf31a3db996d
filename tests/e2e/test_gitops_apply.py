"""An Instance managed by a GitOps tool that applies server-side, as Argo CD and Flux do.

The tool's promise is that a manifest it applied shows no drift once the operator has done its
work: a dry-run apply of the same manifest changes nothing. That holds only if the operator's
writes (finalizer, status, annotations) never take a field the manifest sets, so these tests
read ``managedFields`` as well as the objects.
"""

from __future__ import annotations

from typing import Any

from instance_operator.api import names
from instance_operator.sandbox import Cluster
from instance_operator.sandbox.cluster import wait_for
from tests.e2e.support import web

GITOPS = "argocd-controller"
APPLY = "application/apply-patch+yaml"


def server_side_apply(
    cluster: Cluster, manifest: dict[str, Any], *, dry_run: bool = False
) -> dict[str, Any]:
    """``kubectl apply --server-side --field-manager argocd-controller`` (no force); the client
    sends the manifest as JSON, which is YAML too, as Argo CD does."""
    options: dict[str, Any] = {"field_manager": GITOPS, "_content_type": APPLY}
    if dry_run:
        options["dry_run"] = "All"
    result = cluster.custom.patch_namespaced_custom_object(
        names.GROUP,
        names.VERSION,
        cluster.namespace,
        names.PLURAL,
        manifest["metadata"]["name"],
        manifest,
        **options,
    )
    if result is None:  # 201 Created: the client reads a body for 200 only
        result = cluster.get(manifest["metadata"]["name"])
    assert isinstance(result, dict)
    return result


def dry_run_against_a_still_object(
    cluster: Cluster, manifest: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(stored, dry-run answer), retried until no other write fell between the two reads."""

    def attempt() -> tuple[dict[str, Any], dict[str, Any]] | None:
        before = cluster.get(manifest["metadata"]["name"]) or {}
        answer = server_side_apply(cluster, manifest, dry_run=True)
        after = cluster.get(manifest["metadata"]["name"]) or {}
        same = before["metadata"]["resourceVersion"] == after["metadata"]["resourceVersion"]
        return (after, answer) if same else None

    return wait_for("a dry run between two identical reads", attempt, timeout=30)


def owners_outside_gitops(stored: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in stored["metadata"]["managedFields"] if entry["manager"] != GITOPS]


def test_a_server_side_applied_instance_shows_no_drift_when_ready(cluster: Cluster) -> None:
    manifest = web("web-1")
    server_side_apply(cluster, manifest)
    cluster.wait_ready("web-1")

    stored, answer = dry_run_against_a_still_object(cluster, manifest)
    assert answer["spec"] == stored["spec"]
    assert answer["metadata"] == stored["metadata"]  # same resourceVersion and managedFields
    assert answer["status"] == stored["status"]

    # The operator did write (finalizer on the main endpoint, status on /status), but owns no
    # field of the spec.
    others = owners_outside_gitops(stored)
    assert any(entry.get("subresource") == "status" for entry in others), others
    finalizers = [
        entry for entry in others if "f:finalizers" in entry["fieldsV1"].get("f:metadata", {})
    ]
    assert finalizers, others
    for entry in others:
        assert "f:spec" not in entry["fieldsV1"], entry
    (mine,) = [entry for entry in stored["metadata"]["managedFields"] if entry["manager"] == GITOPS]
    assert mine["operation"] == "Apply"
    assert set(mine["fieldsV1"]["f:spec"]) == {f"f:{field}" for field in manifest["spec"]}


def test_the_next_apply_meets_no_conflict_and_again_no_drift(cluster: Cluster) -> None:
    manifest = web("web-1")
    server_side_apply(cluster, manifest)
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "reboot", "t-1")  # a user's own write, on metadata only
    cluster.wait_action("web-1", "reboot", "t-1")

    manifest["spec"]["tags"] = ["gitops"]
    applied = server_side_apply(cluster, manifest)  # without force: a conflict would raise 409
    assert applied["spec"]["tags"] == ["gitops"]
    cluster.wait_ready("web-1")  # the new generation handled

    stored, answer = dry_run_against_a_still_object(cluster, manifest)
    assert answer["metadata"] == stored["metadata"]
    assert answer["spec"] == stored["spec"]
    for entry in owners_outside_gitops(stored):
        assert "f:spec" not in entry["fieldsV1"], entry

    # A manifest that drops a field it set removes it: the GitOps tool's prune of a field.
    del manifest["spec"]["tags"]
    pruned = server_side_apply(cluster, manifest)
    assert "tags" not in pruned["spec"]
