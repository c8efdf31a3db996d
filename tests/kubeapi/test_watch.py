"""Watch streams through the ``kubernetes`` client's ``Watch``, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.kubeapi.conftest import GROUP, PLURAL, VERSION, widget

pytestmark = pytest.mark.usefixtures("crd")
MERGE = "application/merge-patch+json"


def events(
    custom: client.CustomObjectsApi, timeout: int = 1, **params: Any
) -> list[tuple[str, str, str]]:
    """(type, name, resourceVersion) until the server ends the stream after ``timeout``."""
    namespace = params.pop("namespace", None)
    if namespace is None:
        call, args = custom.list_cluster_custom_object, (GROUP, VERSION, PLURAL)
    else:
        call, args = custom.list_namespaced_custom_object, (GROUP, VERSION, namespace, PLURAL)
    return [
        (
            event["type"],
            event["raw_object"]["metadata"].get("name", ""),
            event["raw_object"]["metadata"]["resourceVersion"],
        )
        for event in watch.Watch().stream(call, *args, timeout_seconds=timeout, **params)
    ]


def create(
    custom: client.CustomObjectsApi, name: str, namespace: str = "default", **labels: str
) -> Any:
    return custom.create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, widget(name, **labels)
    )


def test_watch_from_a_resource_version_replays_later_changes_in_order(
    custom: client.CustomObjectsApi,
) -> None:
    before = create(custom, "before")
    since = before["metadata"]["resourceVersion"]
    create(custom, "a")
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "a", {"spec": {"size": 2}}, _content_type=MERGE
    )
    custom.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, "a")

    seen = events(custom, namespace="default", resource_version=since)
    assert [(kind, name) for kind, name, _ in seen] == [
        ("ADDED", "a"),
        ("MODIFIED", "a"),
        ("DELETED", "a"),
    ]
    versions = [int(rv) for _, _, rv in seen]
    assert versions == sorted(versions)
    assert versions[0] > int(since)


def test_watch_without_a_resource_version_starts_with_the_current_state(
    custom: client.CustomObjectsApi,
) -> None:
    create(custom, "x")
    create(custom, "y")
    stream = watch.Watch()
    seen: list[tuple[str, str]] = []
    # z is made once the stream has shown the current state, and the stream is stopped once it
    # shows z: no race with the server's timeout, which is only a backstop here.
    for event in stream.stream(
        custom.list_namespaced_custom_object, GROUP, VERSION, "default", PLURAL, timeout_seconds=30
    ):
        name = event["raw_object"]["metadata"]["name"]
        seen.append((event["type"], name))
        if name == "y":
            create(custom, "z")
        if name == "z":
            stream.stop()
    assert seen == [
        ("ADDED", "x"),
        ("ADDED", "y"),
        ("ADDED", "z"),
    ]


def test_bookmarks_carry_the_current_resource_version(custom: client.CustomObjectsApi) -> None:
    latest = create(custom, "b")["metadata"]["resourceVersion"]
    seen = events(
        custom, timeout=3, namespace="default", resource_version=latest, allow_watch_bookmarks=True
    )
    bookmarks = [rv for kind, _, rv in seen if kind == "BOOKMARK"]
    assert len(bookmarks) >= 2  # every 0.2 s for 3 s: fifteen, unless the machine is stalled
    assert set(bookmarks) == {latest}
    assert all(kind == "BOOKMARK" for kind, _, _ in seen)


def test_too_old_resource_version_is_gone(custom: client.CustomObjectsApi) -> None:
    first = create(custom, "w")["metadata"]["resourceVersion"]
    for size in range(2, 10):
        for _ in range(7):  # 56 changes; the fixture keeps 50 per resource
            custom.patch_namespaced_custom_object(
                GROUP,
                VERSION,
                "default",
                PLURAL,
                "w",
                {"metadata": {"labels": {"n": str(size * 10 + _)}}},
                _content_type=MERGE,
            )
    with pytest.raises(ApiException) as caught:
        events(custom, namespace="default", resource_version=first)
    assert caught.value.status == 410
    assert "Expired" in str(caught.value.reason)

    listed = custom.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
    assert (
        events(custom, namespace="default", resource_version=listed["metadata"]["resourceVersion"])
        == []
    )


def test_selector_watches_see_objects_enter_and_leave(custom: client.CustomObjectsApi) -> None:
    start = create(custom, "w", tier="front")["metadata"]["resourceVersion"]

    def relabel(tier: str) -> None:
        custom.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            "default",
            PLURAL,
            "w",
            {"metadata": {"labels": {"tier": tier}}},
            _content_type=MERGE,
        )

    relabel("back")
    relabel("front")
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, "w", {"spec": {"size": 3}}, _content_type=MERGE
    )
    seen = events(custom, namespace="default", resource_version=start, label_selector="tier=front")
    assert [kind for kind, _, _ in seen] == ["DELETED", "ADDED", "MODIFIED"]


def test_namespaced_and_cluster_wide_watches(
    custom: client.CustomObjectsApi, core: client.CoreV1Api
) -> None:
    core.create_namespace({"metadata": {"name": "other"}})
    start = create(custom, "here")["metadata"]["resourceVersion"]
    create(custom, "there", namespace="other")
    create(custom, "also-here")
    assert [name for _, name, _ in events(custom, namespace="default", resource_version=start)] == [
        "also-here"
    ]
    assert [name for _, name, _ in events(custom, resource_version=start)] == ["there", "also-here"]
