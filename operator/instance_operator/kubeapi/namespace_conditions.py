"""The conditions the namespace controller keeps on a terminating namespace, in its words."""

from __future__ import annotations

import collections
from typing import Any

from instance_operator.kubeapi.metadata import now

#: The conditions the namespace controller maintains, in its order, with their "all is well"
#: reason and message.
CONDITIONS = (
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    ("NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"),
    (
        "NamespaceFinalizersRemaining",
        "ContentHasNoFinalizers",
        "All content-preserving finalizers finished",
    ),
)


def conditions(
    resources: collections.Counter[str],
    finalizers: collections.Counter[str],
    failures: list[str],
    previous: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The controller's five conditions: True with what remains, else False with its "ok" words;
    ``lastTransitionTime`` moves only when a status flips."""
    remaining = sorted(
        f"{resource} has {count} resource instances"
        for resource, count in resources.items()
        if count > 0
    )
    held = sorted(
        f"{finalizer} in {count} resource instances"
        for finalizer, count in finalizers.items()
        if count > 0
    )
    failing: dict[str, tuple[str, str]] = {}
    if failures:
        errors_text = ", ".join(sorted(failures))
        failing["NamespaceDeletionContentFailure"] = (
            "ContentDeletionFailed",
            f"Failed to delete all resource types, {len(failures)} remaining: {errors_text}",
        )
    if remaining:
        failing["NamespaceContentRemaining"] = (
            "SomeResourcesRemain",
            f"Some resources are remaining: {', '.join(remaining)}",
        )
    if held:
        failing["NamespaceFinalizersRemaining"] = (
            "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {', '.join(held)}",
        )
    before = {condition.get("type"): condition for condition in previous}
    out = []
    for kind, ok_reason, ok_message in CONDITIONS:
        status, (reason, message) = (
            ("True", failing[kind]) if kind in failing else ("False", (ok_reason, ok_message))
        )
        old = before.get(kind)
        since = old["lastTransitionTime"] if old and old.get("status") == status else now()
        out.append(
            {
                "type": kind,
                "status": status,
                "lastTransitionTime": since,
                "reason": reason,
                "message": message,
            }
        )
    return out
