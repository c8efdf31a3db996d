"""One session per scope: shared by every set of credentials that reaches it, closed with the last
Instance in it (watcher and tag-lookup threads gone)."""

from __future__ import annotations

import threading
from typing import cast

from instance_operator.controller.observe.scope_watcher import Timing
from instance_operator.controller.observe.sessions import Sessions
from instance_operator.controller.reconcile.credentials import Access
from instance_operator.controller.registry import Registry
from instance_operator.openstack.cloud import Cloud

SCOPE = "keystone.example:5000/RegionOne/p1"


def access(cloud: object, scope: str = SCOPE) -> Access:
    # The sessions never call a cloud while inactive: any object stands in for one.
    return Access(cloud=cast(Cloud, cloud), scope=scope, cloud_name="mycloud")


def sessions(registry: Registry) -> Sessions:
    return Sessions(
        registry,
        Timing(3600.0, 3600.0, 3600.0),
        enqueue=lambda uid: None,
        active=lambda: False,  # never poll
        lookup_ttl=60.0,
    )


def instance(registry: Registry, uid: str, scope: str) -> None:
    registry.update({"metadata": {"namespace": "team-a", "name": uid, "uid": uid}})
    registry.assign_scope(uid, scope)


def scope_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(("watch-", "tag-lookup"))}


def test_credentials_of_one_scope_share_its_session_and_keep_their_own_actuator() -> None:
    registry = Registry()
    opened = sessions(registry)
    old, rotated = object(), object()
    try:
        first, old_actuator = opened.open(access(old))
        again, rotated_actuator = opened.open(access(rotated))
        assert again is first  # one watcher, one tag lookup for the scope
        assert len(opened.all()) == 1
        assert rotated_actuator is not old_actuator  # a pass acts with its own credentials
        assert opened.open(access(old))[1] is old_actuator  # and keeps its name cache
        # The credentials used last poll and look up by tag.
        assert first.newest() is old_actuator
        assert first.newest_cloud() is old
        opened.open(access(rotated))
        assert first.newest() is rotated_actuator
    finally:
        opened.stop()


def test_a_scope_with_no_instance_left_costs_no_thread() -> None:
    registry = Registry()
    opened = sessions(registry)
    before = scope_threads()
    try:
        instance(registry, "u1", SCOPE)
        instance(registry, "u2", "keystone.example:5000/RegionOne/p2")
        kept, _ = opened.open(access(object()))
        gone, _ = opened.open(access(object(), "keystone.example:5000/RegionOne/p2"))
        assert len(scope_threads() - before) == 4  # a watcher and a tag lookup per scope

        registry.remove("u2")
        opened.prune()

        assert opened.all() == [kept]
        gone.lookup._thread.join(30)
        assert not gone.lookup._thread.is_alive()
        assert not gone.watcher._thread.is_alive()
        assert kept.lookup._thread.is_alive()
        # Opened again, the scope starts afresh.
        instance(registry, "u3", "keystone.example:5000/RegionOne/p2")
        fresh, _ = opened.open(access(object(), "keystone.example:5000/RegionOne/p2"))
        assert fresh is not gone
    finally:
        opened.stop()
    for session in (kept, gone, fresh):
        session.lookup._thread.join(30)
    assert scope_threads() - before == set()
