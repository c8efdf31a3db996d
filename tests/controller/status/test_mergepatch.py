from __future__ import annotations

import copy
from typing import Any

import pytest

from instance_operator.controller.status.mergepatch import diff
from instance_operator.kubeapi.patches import merge

CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {}),
    ({"phase": "Building"}, {"phase": "Active"}),
    ({"phase": "Active", "taskState": "spawning"}, {"phase": "Active"}),
    (
        {"actions": {"start": {"token": "a"}}},
        {"actions": {"start": {"token": "a"}, "stop": {"token": "b"}}},
    ),
    ({"addresses": [{"ip": "10.0.0.1"}]}, {"addresses": [{"ip": "10.0.0.2"}]}),
    ({"fault": {"code": 500, "message": "x"}}, {}),
    ({"a": {"b": {"c": 1, "d": 2}}}, {"a": {"b": {"c": 1}}}),
]


@pytest.mark.parametrize(("old", "new"), CASES)
def test_diff_merged_as_the_api_server_merges_gives_the_new_status(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    assert merge(copy.deepcopy(old), diff(old, new)) == new


def test_unchanged_status_gives_an_empty_patch() -> None:
    status = {
        "phase": "Active",
        "conditions": [{"type": "Ready"}],
        "actions": {"start": {"token": "a"}},
    }
    assert diff(status, dict(status)) == {}


def test_patch_holds_only_what_changed() -> None:
    old = {"phase": "Building", "serverID": "abc", "taskState": "spawning"}
    new = {"phase": "Active", "serverID": "abc"}
    assert diff(old, new) == {"phase": "Active", "taskState": None}
