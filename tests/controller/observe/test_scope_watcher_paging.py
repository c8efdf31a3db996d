"""The scope watcher's full listing over several pages, with the glitches real Nova's paging has.

2,500 servers in pages of 1,000 (Nova's ``max_limit``, which the watcher lists by). A server that
the listing fails to show must never be reported missing while Nova still has it: the Instance
would read as Lost.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.scope_watcher import ScopeWatcher, Timing
from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.config import load_clouds_yaml
from instance_operator.simulator import Simulator, SimulatorConfig
from tests.support.timings import FAST_CLOUD

SERVERS = 2_500
SHOW = "/v2.1/servers/{server_id}"
DETAIL = "/v2.1/servers/detail"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    config = SimulatorConfig(durations=FAST_CLOUD)
    config.quota.instances = config.quota.cores = config.quota.ram = -1
    with Simulator(config).running() as simulator:
        simulator.servers.create(SERVERS, name="fleet")
        yield simulator


@pytest.fixture
def cloud(sim: Simulator) -> Iterator[Cloud]:
    made = connect(load_clouds_yaml(sim.clouds_yaml(cloud_name="watch"), "watch"))
    yield made
    made.close()


class Recorded:
    def __init__(self) -> None:
        self.missing: list[str] = []
        self.changed: list[Observed] = []


@pytest.fixture
def watcher(cloud: Cloud, sim: Simulator) -> tuple[ScopeWatcher, Recorded]:
    """A watcher whose every poll is a full listing, polled by the test (its thread never runs)."""
    seen = Recorded()
    made = ScopeWatcher(
        "sim/demo",
        cloud=lambda: cloud,
        timing=Timing(poll_interval=60, fast_poll_interval=60, resync_interval=0),
        changed=seen.changed.append,
        missing=seen.missing.append,
        tracked=lambda _: True,
    )
    made.poll()
    assert made.wait_synced(0)
    sim.counters.reset()
    return made, seen


def live_ids(sim: Simulator) -> list[str]:
    return [s["id"] for s in sim.servers.list()]


def assert_knows_all(watcher: ScopeWatcher, sim: Simulator) -> None:
    unknown = [sid for sid in live_ids(sim) if watcher.observation(sid) is None]
    assert not unknown, f"{len(unknown)} live servers forgotten, e.g. {unknown[:3]}"


def test_a_clean_listing_reads_three_pages_and_asks_nothing_more(
    watcher: tuple[ScopeWatcher, Recorded], sim: Simulator
) -> None:
    scope, seen = watcher
    scope.poll()
    assert sim.counters.count(method="GET", path=DETAIL) == 3
    assert sim.counters.count(method="GET", path=SHOW) == 0
    assert seen.missing == []
    assert_knows_all(scope, sim)


@pytest.mark.parametrize("page", [2, 3])
def test_a_server_skipped_between_pages_is_confirmed_not_reported(
    watcher: tuple[ScopeWatcher, Recorded], sim: Simulator, page: int
) -> None:
    scope, seen = watcher
    if page == 3:
        sim.servers.glitch_paging("duplicate")  # page 2: harmless, but uses the first glitch
    sim.servers.glitch_paging("skip")
    scope.poll()
    assert seen.missing == []
    assert sim.counters.count(method="GET", path=SHOW) == 1, "the one skipped server is asked"
    assert_knows_all(scope, sim)


def test_a_duplicate_across_pages_costs_nothing(
    watcher: tuple[ScopeWatcher, Recorded], sim: Simulator
) -> None:
    scope, seen = watcher
    sim.servers.glitch_paging("duplicate")
    scope.poll()
    assert seen.missing == []
    assert sim.counters.count(method="GET", path=SHOW) == 0
    assert_knows_all(scope, sim)


def test_a_next_link_pointing_back_ends_the_listing_without_conclusions(
    watcher: tuple[ScopeWatcher, Recorded], sim: Simulator
) -> None:
    """Page 2 links back to itself: page 3's 500 servers are not shown, and not asked about."""
    scope, seen = watcher
    sim.servers.glitch_paging("loop")
    scope.poll()
    assert sim.counters.count(method="GET", path=DETAIL) == 2
    assert seen.missing == []
    assert sim.counters.count(method="GET", path=SHOW) == 0
    assert_knows_all(scope, sim)


def test_a_server_really_gone_is_still_reported(
    watcher: tuple[ScopeWatcher, Recorded], sim: Simulator
) -> None:
    """Deleted behind the operator's back and never seen as DELETED (full listings only)."""
    scope, seen = watcher
    victim = live_ids(sim)[1_234]
    sim.servers.delete(victim)
    sim.servers.glitch_paging("skip")
    scope.poll()
    assert seen.missing == [victim]
    assert scope.observation(victim) is None
    assert_knows_all(scope, sim)
