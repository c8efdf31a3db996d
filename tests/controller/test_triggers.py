"""Which watch events queue a reconcile: new work, never the operator's own status writes."""

from __future__ import annotations

from typing import Any

from instance_operator.api import names
from instance_operator.controller.registry import InstanceView
from instance_operator.controller.runtime import asks_for_work


def view(
    *,
    generation: int = 1,
    finalizers: tuple[str, ...] = (names.FINALIZER,),
    annotations: dict[str, str] | None = None,
    status: dict[str, Any] | None = None,
    deleting: bool = False,
) -> InstanceView:
    metadata: dict[str, Any] = {
        "name": "web-1",
        "namespace": "default",
        "uid": "u-1",
        "generation": generation,
        "finalizers": list(finalizers),
        "annotations": annotations or {},
    }
    if deleting:
        metadata["deletionTimestamp"] = "2026-11-23T12:00:00Z"
    return InstanceView.from_body({"metadata": metadata, "spec": {}, "status": status or {}})


def test_work_starts_once_kopfs_finalizer_is_on() -> None:
    assert not asks_for_work(None, view(finalizers=()))
    assert asks_for_work(view(finalizers=()), view())
    assert asks_for_work(None, view())  # first seen, e.g. at start-up


def test_a_new_spec_or_annotation_is_work() -> None:
    assert asks_for_work(view(), view(generation=2))
    assert asks_for_work(view(), view(annotations={"instance-operator.dev/reboot": "r1"}))


def test_the_operators_own_status_writes_are_not() -> None:
    assert not asks_for_work(view(), view(status={"phase": "Active"}))


def test_deletion_is_left_to_kopfs_delete_handler() -> None:
    assert not asks_for_work(view(), view(deleting=True))


def test_a_held_deletion_is_woken_when_its_protection_is_taken_off() -> None:
    protected = {names.DELETION_PROTECTION: "true"}
    held = view(deleting=True, annotations=protected)
    assert not asks_for_work(view(annotations=protected), held)  # the DELETE itself
    assert not asks_for_work(held, view(deleting=True, annotations={**protected, "x": "y"}))
    assert asks_for_work(held, view(deleting=True))
    assert asks_for_work(held, view(deleting=True, annotations={names.DELETION_PROTECTION: "no"}))
