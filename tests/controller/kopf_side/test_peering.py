"""The activity gate: kopf's priority rule, and liveness that no clock skew can fool."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from instance_operator.controller.kopf_side.peering import ActivityGate, Sightings, is_active
from instance_operator.controller.runtime import read_peering

LIFETIME = 60


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Peer:
    """Another replica as kopf writes it: ``lastseen`` from *its* wall clock, renewed by keep-alives."""

    def __init__(self, priority: int, wall: datetime) -> None:
        self.priority = priority
        self.wall = wall

    def touch(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)

    def entry(self) -> dict[str, Any]:
        return {"priority": self.priority, "lastseen": self.wall.isoformat(), "lifetime": LIFETIME}


def gate_for(
    peers: dict[str, Peer], clock: FakeClock, became: list[float] | None = None
) -> ActivityGate:
    def read() -> list[Mapping[str, Any]]:
        return [{name: peer.entry() for name, peer in peers.items()}]

    def became_active() -> None:
        if became is not None:
            became.append(clock.now)

    return ActivityGate(read, identity="me", priority=10, clock=clock, became_active=became_active)


def always(_: str, __: Mapping[str, Any]) -> bool:
    return True


def test_priority_rule() -> None:
    entry = {"lastseen": "x", "lifetime": LIFETIME}
    assert is_active({}, identity="me", priority=5, alive=always)
    assert is_active({"me": {**entry, "priority": 99}}, identity="me", priority=5, alive=always)
    assert is_active({"low": {**entry, "priority": 4}}, identity="me", priority=5, alive=always)
    assert not is_active({"tie": {**entry, "priority": 5}}, identity="me", priority=5, alive=always)
    assert not is_active(
        {"high": {**entry, "priority": 6}}, identity="me", priority=5, alive=always
    )
    assert is_active(
        {"high": {**entry, "priority": 6}}, identity="me", priority=5, alive=lambda *_: False
    )


def test_a_peer_without_lastseen_is_dead() -> None:
    alive = Sightings().liveness(0, now=0.0)
    assert not alive("broken", {"priority": 99})


@pytest.mark.parametrize("skew_minutes", [5, -5, 0])
def test_a_live_peer_keeps_this_replica_paused_whatever_the_clocks(skew_minutes: int) -> None:
    """The other replica's clock is ``skew_minutes`` behind ours (ours ahead for 5): its
    ``lastseen`` looks that old or new to us, but it is renewed, so it is alive."""
    clock = FakeClock()
    peer = Peer(priority=20, wall=datetime.now(UTC) - timedelta(minutes=skew_minutes))
    gate = gate_for({"active": peer}, clock)
    for _ in range(20):  # ten minutes of checks every 5 s, keep-alives every 50 s
        assert gate.check() is False
        clock.now += 5
        if clock.now % 50 == 0:
            peer.touch(50)


@pytest.mark.parametrize("skew_minutes", [5, -5, 0])
def test_a_dead_peer_is_dead_one_lifetime_after_it_stopped(skew_minutes: int) -> None:
    clock = FakeClock()
    peer = Peer(priority=20, wall=datetime.now(UTC) - timedelta(minutes=skew_minutes))
    became: list[float] = []
    gate = gate_for({"killed": peer}, clock, became)
    started = clock.now
    while not gate.check():
        clock.now += 5
        assert clock.now - started <= LIFETIME + 5, "the dead peer was never given up"
    assert LIFETIME <= clock.now - started <= LIFETIME + 5
    assert became == [clock.now]


def test_a_lower_priority_peer_never_pauses_this_one() -> None:
    clock = FakeClock()
    gate = gate_for({"standby": Peer(priority=1, wall=datetime.now(UTC))}, clock)
    assert gate.check() is True


def test_an_unreadable_peering_object_keeps_the_last_verdict() -> None:
    clock = FakeClock()
    failing = [False]

    def read() -> list[Mapping[str, Any]]:
        if failing[0]:
            raise RuntimeError("API down")
        return [{}]

    gate = ActivityGate(read, identity="me", priority=1, clock=clock)
    assert gate.active() is False  # until the first read, inactive
    assert gate.check() is True
    failing[0] = True
    assert gate.check() is True
    assert gate.active() is True


def test_before_the_first_read_the_replica_is_inactive() -> None:
    def read() -> list[Mapping[str, Any]]:
        raise RuntimeError("API down")

    gate = ActivityGate(read, identity="me", priority=1, clock=FakeClock())
    assert gate.check() is False
    assert gate.active() is False


def test_peers_in_several_peering_objects_are_tracked_apart() -> None:
    """With watchNamespaces there is one peering object per namespace."""
    clock = FakeClock()
    live = Peer(priority=20, wall=datetime.now(UTC))
    dead = Peer(priority=20, wall=datetime.now(UTC))

    def read() -> list[Mapping[str, Any]]:
        return [{"other": live.entry()}, {"other": dead.entry()}]

    gate = ActivityGate(read, identity="me", priority=10, clock=clock)
    for _ in range(30):
        assert gate.check() is False  # the live one in the first object holds it paused
        clock.now += 5
        live.touch(5)


class PeeringObjects:
    """The CustomObjectsApi calls the reader makes, over a dict of namespace -> status."""

    def __init__(self, statuses: dict[str, dict[str, Any]]) -> None:
        self.statuses = statuses

    def get_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str
    ) -> dict[str, Any]:
        if namespace not in self.statuses:
            raise ApiException(status=404, reason="Not Found")
        return {"status": self.statuses[namespace]}


def test_a_watched_namespace_without_a_peering_object_counts_no_peers() -> None:
    """Deleted with its namespace, say: the other namespaces' peers still count."""
    other = {"other": {"priority": 99, "lastseen": "t", "lifetime": 60}}
    api = PeeringObjects({"team-b": other})
    read = read_peering(api, name="instance-operator", namespaces=["team-a", "team-b"])
    assert read() == [other]
    api.statuses = {}
    assert read() == []


def test_other_failures_to_read_the_peering_are_not_taken_for_absence() -> None:
    api = PeeringObjects({})

    def refuse(*_: Any) -> dict[str, Any]:
        raise ApiException(status=403, reason="Forbidden")

    api.get_namespaced_custom_object = refuse  # type: ignore[method-assign]
    read = read_peering(api, name="instance-operator", namespaces=["team-a"])
    with pytest.raises(ApiException):
        read()
