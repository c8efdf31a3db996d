"""The scope watcher's contract, poll by poll against the simulated Nova (its thread never runs).

One full listing to start, then only what changed; a change is reported once, for tracked
servers only; a server is missing only when Nova answers 404; while a cell is down every poll is a
full listing; and it polls fast while hurried or while a server is in transition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.scope_watcher import PollStats, ScopeWatcher, Timing
from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.config import load_clouds_yaml
from instance_operator.simulator import Simulator, SimulatorConfig
from tests.support.timings import FAST_CLOUD

SHOW = "/v2.1/servers/{server_id}"
DETAIL = "/v2.1/servers/detail"
TIMING = Timing(poll_interval=60.0, fast_poll_interval=1.0, resync_interval=3600.0)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(durations=FAST_CLOUD)).running() as simulator:
        yield simulator


@pytest.fixture
def cloud(sim: Simulator) -> Iterator[Cloud]:
    made = connect(load_clouds_yaml(sim.clouds_yaml(cloud_name="watch"), "watch"))
    yield made
    made.close()


@dataclass
class Seen:
    changed: list[Observed] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    polls: list[PollStats] = field(default_factory=list)

    def changed_ids(self) -> list[str]:
        return [s.id for s in self.changed]


def watcher(
    cloud: Cloud,
    seen: Seen,
    *,
    timing: Timing = TIMING,
    tracked: Callable[[Observed], bool] = lambda _: True,
) -> ScopeWatcher:
    return ScopeWatcher(
        "sim/demo",
        cloud=lambda: cloud,
        timing=timing,
        changed=seen.changed.append,
        missing=seen.missing.append,
        tracked=tracked,
        polled=seen.polls.append,
    )


def test_the_first_poll_lists_all_and_reports_only_tracked_servers(
    sim: Simulator, cloud: Cloud
) -> None:
    ours, also_ours, foreign = sim.servers.create(3)
    seen = Seen()
    scope = watcher(cloud, seen, tracked=lambda s: s.id != foreign)
    assert not scope.wait_synced(0)
    scope.poll()
    assert scope.wait_synced(0)
    assert [p.full for p in seen.polls] == [True]
    assert sorted(seen.changed_ids()) == sorted([ours, also_ours])
    observed = scope.observation(foreign)  # remembered all the same
    assert observed is not None
    assert observed.status == "ACTIVE"


def test_then_one_request_per_poll_and_each_change_reported_once(
    sim: Simulator, cloud: Cloud
) -> None:
    server, other = sim.servers.create(2)
    seen = Seen()
    scope = watcher(cloud, seen)
    scope.poll()
    seen.changed.clear()
    sim.counters.reset()
    scope.poll()  # Nova's changes-since is ">=": the newest server comes again, unchanged
    assert [p.full for p in seen.polls] == [True, False]
    assert seen.changed == []
    sim.servers.fail(server, message="host lost")
    scope.poll()
    scope.poll()
    assert seen.changed_ids() == [server]
    assert seen.changed[0].status == "ERROR"
    assert sim.counters.count(method="GET", path=DETAIL) == 3
    assert sim.counters.count(method="GET", path=SHOW) == 0
    assert seen.missing == []
    assert scope.observation(other) is not None


def test_a_server_gone_from_a_full_listing_is_missing_once_nova_answers_404(
    sim: Simulator, cloud: Cloud
) -> None:
    doomed, kept = sim.servers.create(2)
    seen = Seen()
    every_poll_full = Timing(poll_interval=60.0, fast_poll_interval=1.0, resync_interval=0.0)
    scope = watcher(cloud, seen, timing=every_poll_full)
    scope.poll()
    sim.servers.delete(doomed)
    sim.counters.reset()
    scope.poll()
    assert seen.missing == [doomed]
    assert sim.counters.count(method="GET", path=SHOW) == 1  # it asked before saying so
    assert scope.observation(doomed) is None
    assert scope.observation(kept) is not None
    scope.poll()
    assert seen.missing == [doomed]  # said once


def test_while_a_cell_is_down_every_poll_lists_all_then_the_server_comes_back(
    sim: Simulator, cloud: Cloud
) -> None:
    server, _ = sim.servers.create(2)
    sim.servers.cell_down(server)
    seen = Seen()
    scope = watcher(cloud, seen)
    scope.poll()
    scope.poll()
    assert [p.full for p in seen.polls] == [True, True]
    sim.servers.cell_down(server, down=False)
    seen.changed.clear()
    scope.poll()  # still full: its updated stamp is old, a change poll would never show it
    assert seen.polls[-1].full
    assert seen.changed_ids() == [server]
    assert seen.changed[0].status == "ACTIVE"
    scope.poll()
    assert not seen.polls[-1].full  # all reachable: back to change polls


def test_it_polls_fast_until_synced_while_hurried_and_while_a_server_moves(
    sim: Simulator, cloud: Cloud
) -> None:
    sim.servers.create(1)
    scope = watcher(cloud, Seen())
    assert scope._interval() == TIMING.fast_poll_interval  # not synced yet
    scope.poll()
    assert scope._interval() == TIMING.poll_interval
    scope.hurry(600)  # the controller just changed something
    assert scope._interval() == TIMING.fast_poll_interval
    building = watcher(cloud, Seen())
    sim.clock.freeze()  # the build does not end while the test looks
    sim.servers.create(1, status="BUILD")
    building.poll()
    assert building._interval() == TIMING.fast_poll_interval
