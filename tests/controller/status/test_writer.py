"""The status writer: a pass's typed status goes out as the smallest merge patch, or not at all."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from instance_operator.api.models import Phase
from instance_operator.controller.kube import InstanceRef, Kube
from instance_operator.controller.registry import InstanceView
from instance_operator.controller.status.conditions import Health, compute
from instance_operator.controller.status.writer import StatusWriter

#: A status as an earlier pass wrote it, in the API's form.
WRITTEN: dict[str, Any] = {
    "serverID": "s1",
    "phase": "Active",
    "addresses": [{"network": "private", "ip": "10.0.0.5", "version": 4, "type": "fixed"}],
    "observedGeneration": 2,
    "conditions": [
        c.model_dump(by_alias=True, exclude_none=True, mode="json")
        for c in compute(Health(Phase.ACTIVE, True), 2, [], datetime(2026, 12, 1, tzinfo=UTC))
    ],
    "actions": {"reboot": {"token": "t1", "result": "Succeeded", "message": "",
                           "requestedAt": "2026-12-01T10:00:00.250000Z"}},
    "snapshots": [{"token": "s", "imageName": "web-s", "state": "active",
                   "createdAt": "2026-12-01T10:00:00Z"}],
}  # fmt: skip


class FakeKube:
    """The API's side of a status patch: a JSON merge patch onto what it stores."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        self.patches: list[dict[str, Any]] = []

    def patch_status(self, ref: InstanceRef, patch: dict[str, Any]) -> dict[str, Any]:
        self.patches.append(patch)
        for key, value in patch.items():
            if value is None:
                self.status.pop(key, None)
            elif isinstance(value, dict) and isinstance(self.status.get(key), dict):
                self.status[key] = {**self.status[key], **value}
            else:
                self.status[key] = value
        return {"metadata": {"name": ref.name}, "status": self.status}


def view(status: dict[str, Any]) -> InstanceView:
    return InstanceView.from_body(
        {"metadata": {"namespace": "ns", "name": "web-1", "uid": "u1"}, "status": status}
    )


def test_a_status_read_and_written_back_unchanged_sends_nothing() -> None:
    kube = FakeKube(dict(WRITTEN))
    writer = StatusWriter(cast(Kube, kube))
    instance = view(WRITTEN)
    assert not writer.write(instance, writer.current(instance))
    assert kube.patches == []


def test_a_change_is_sent_as_the_smallest_patch_and_remembered() -> None:
    kube = FakeKube(dict(WRITTEN))
    writer = StatusWriter(cast(Kube, kube))
    instance = view(WRITTEN)
    status = writer.current(instance)
    status.phase = Phase.STOPPED
    status.task_state = "powering-off"
    assert writer.write(instance, status)
    assert kube.patches == [{"phase": "Stopped", "taskState": "powering-off"}]
    status.task_state = None
    assert writer.write(instance, status)
    assert kube.patches[-1] == {"taskState": None}
    assert writer.current(instance) == status  # the view's copy is one write old: not used
    assert not writer.write(instance, status)


def test_a_pass_edits_a_copy() -> None:
    writer = StatusWriter(cast(Kube, FakeKube(dict(WRITTEN))))
    instance = view(WRITTEN)
    writer.current(instance).phase = Phase.ERROR
    assert writer.current(instance).phase is Phase.ACTIVE


def test_a_field_of_a_newer_operator_is_left_as_it_is() -> None:
    stored = {**WRITTEN, "floatingIP": "203.0.113.7"}
    kube = FakeKube(dict(stored))
    writer = StatusWriter(cast(Kube, kube))
    instance = view(stored)
    status = writer.current(instance)
    status.phase = Phase.STOPPED
    assert writer.write(instance, status)
    assert kube.patches == [{"phase": "Stopped"}]
    assert kube.status["floatingIP"] == "203.0.113.7"


def test_a_status_edited_by_hand_is_rebuilt_and_said_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        instance = view({**WRITTEN, "phase": "Sleeping", "serverID": 7})
    assert instance.status.server_id is None  # found again by its tag, never created twice
    assert "not one the operator wrote" in caplog.text
    assert "ns/web-1" in caplog.text
