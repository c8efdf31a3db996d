"""The sweep for Instances kopf dropped: aged on the local monotonic clock, read afresh, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from instance_operator.api import names
from instance_operator.controller.kopf_side.finalizer_sweep import FinalizerSweep
from instance_operator.controller.kube import InstanceRef
from instance_operator.controller.registry import Registry


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def body(name: str, *, finalized: bool = False, created: datetime | None = None) -> dict[str, Any]:
    stamp = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta: dict[str, Any] = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "creationTimestamp": stamp,
    }
    if finalized:
        meta["finalizers"] = [names.FINALIZER]
    return {"metadata": meta, "spec": {}}


class World:
    """The registry as kopf's events fill it, and the API server's copy the sweep reads."""

    def __init__(self, *, grace: float = 30.0, reads: int = 200) -> None:
        self.clock = FakeClock()
        self.registry = Registry()
        self.stored: dict[str, dict[str, Any]] = {}
        self.queued: list[str] = []
        self.reads: list[str] = []
        self.sweep = FinalizerSweep(
            self.registry,
            read=self.read,
            enqueue=self.queued.append,
            clock=self.clock,
            grace=grace,
            reads=reads,
        )

    def read(self, ref: InstanceRef) -> dict[str, Any] | None:
        self.reads.append(ref.name)
        return self.stored.get(ref.name)

    def event(self, obj: dict[str, Any]) -> None:
        self.stored[obj["metadata"]["name"]] = obj
        self.sweep.seen(obj["metadata"]["uid"])
        self.registry.update(obj)


@pytest.mark.parametrize("skew", [timedelta(minutes=5), timedelta(minutes=-5), timedelta(0)])
def test_a_dropped_instance_is_queued_after_the_grace_whatever_the_clock(skew: timedelta) -> None:
    """``creationTimestamp`` comes from the API server's clock, which may be minutes off ours."""
    world = World()
    world.event(body("dropped", created=datetime.now(UTC) + skew))
    assert world.sweep.run() == []
    assert world.reads == [], "an Instance younger than the grace must not be read"
    world.clock.now += 29
    assert world.sweep.run() == []
    world.clock.now += 2
    assert world.sweep.run() == ["uid-dropped"]
    assert world.queued == ["uid-dropped"]


def test_one_kopf_handled_meanwhile_is_left_alone() -> None:
    world = World()
    world.event(body("slow"))
    world.stored["slow"] = body("slow", finalized=True)  # kopf's write landed; its event is late
    world.clock.now += 31
    assert world.sweep.run() == []
    assert world.reads == ["slow"]


def test_finalized_deleting_and_deleted_instances_are_never_read() -> None:
    world = World()
    world.event(body("done", finalized=True))
    deleting = body("going")
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    world.event(deleting)
    world.event(body("gone"))
    world.registry.remove("uid-gone")
    world.sweep.forget("uid-gone")
    world.clock.now += 3600
    assert world.sweep.run() == []
    assert world.reads == []


def test_one_sweep_reads_at_most_its_bound() -> None:
    world = World(reads=5)
    for i in range(12):
        world.event(body(f"i-{i:02d}"))
    world.clock.now += 31
    assert len(world.sweep.run()) == 5
    assert len(world.reads) == 5


def test_the_age_starts_at_the_first_event_not_the_last() -> None:
    world = World()
    world.event(body("busy"))
    world.clock.now += 20
    world.event(body("busy"))  # a later event (e.g. a label change) does not restart the clock
    world.clock.now += 11
    assert world.sweep.run() == ["uid-busy"]
