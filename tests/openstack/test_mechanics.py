"""Rate limiter, retry rules, routes, lookups, list filters, the tests' polling: no network needed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from instance_operator.openstack.compute.servers import CreateOpts, ListOpts, NetworkSpec
from instance_operator.openstack.errors import (
    MultipleMatches,
    NoMatch,
)
from instance_operator.openstack.lookup import exactly_one
from instance_operator.openstack.ratelimit import EndpointGate, RateLimiter, take_waited
from instance_operator.openstack.retry import as_idempotent, build_retry
from instance_operator.openstack.routes import Route
from instance_operator.openstack.settings import RetryPolicy
from tests.support.waits import ResourceFailed, WaitTimeout, poll_status


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_turns() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.25, 0.25, 0.25])
    clock.now += 10  # idle time earns no burst
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(0.25)


def test_only_a_real_wait_counts_as_one() -> None:
    gate = EndpointGate(concurrency=4, rate=2.0)
    take_waited()
    with gate.slot():
        pass
    assert take_waited() == 0.0  # the first turn comes at once
    with gate.slot():
        pass
    assert take_waited() == pytest.approx(0.5, abs=0.1)


def test_rate_limiter_holds_across_threads() -> None:
    limiter = RateLimiter(200.0)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(15):
            limiter.acquire()
            import time

            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    # 60 evenly spaced turns at 200/s span at least 59/200 s; no 0.1 s window holds more than 20.
    assert stamps[-1] - stamps[0] >= 0.29
    assert max(sum(1 for t in stamps if s <= t < s + 0.1) for s in stamps) <= 21


def test_gate_caps_concurrency() -> None:
    gate = EndpointGate(concurrency=2, rate=None)
    inside, peak = 0, 0
    lock = threading.Lock()
    release = threading.Event()

    def worker() -> None:
        nonlocal inside, peak
        with gate.slot():
            with lock:
                inside += 1
                peak = max(peak, inside)
            release.wait(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 2


def test_retry_rules() -> None:
    retry = build_retry(RetryPolicy(), gate=None)
    assert retry.is_retry("GET", 503)
    assert retry.is_retry("DELETE", 502)
    assert not retry.is_retry("POST", 503)
    assert not retry.is_retry("POST", 503, has_retry_after=True)
    assert retry.is_retry("POST", 429, has_retry_after=True)
    assert retry.is_retry("POST", 413, has_retry_after=True)
    assert not retry.is_retry("POST", 429)
    assert retry.is_retry("GET", 429)
    assert not retry.is_retry("GET", 413)
    assert not build_retry(RetryPolicy(retries=0), gate=None).is_retry("GET", 429)
    assert not retry.is_retry("GET", 500)
    assert retry.parse_retry_after("3600") == 60.0
    copy = retry.new(total=1)
    assert copy.retry_after_cap == 60.0
    assert copy.gate is None
    assert not build_retry(RetryPolicy(retries=0), gate=None).is_retry("POST", 429, True)
    with as_idempotent():
        assert retry.is_retry("POST", 503)
    assert not retry.is_retry("POST", 503)


def test_routes_encode_every_value() -> None:
    route = Route.of("servers/{server_id}/tags/{tag}", server_id="abc", tag="a b/c:d")
    assert route.template == "servers/{server_id}/tags/{tag}"
    assert route.path == "servers/abc/tags/a%20b%2Fc%3Ad"


def test_exactly_one() -> None:
    assert exactly_one("flavor", "a", ["x"], str) == "x"
    with pytest.raises(NoMatch, match="no flavor named 'a'"):
        exactly_one("flavor", "a", [], str)
    with pytest.raises(MultipleMatches, match=r"2 networks are named 'n' \(i1, i2\)") as caught:
        exactly_one("network", "n", ["i1", "i2"], str)
    assert caught.value.ids == ["i1", "i2"]


def test_polling() -> None:
    clock = FakeClock()
    states = iter(["BUILD", "BUILD", "ACTIVE"])
    result = poll_status(
        lambda: next(states),
        lambda s: s,
        wanted={"ACTIVE"},
        failed={"ERROR"},
        what="server x",
        timeout=60,
        interval=2,
        clock=clock,
        sleep=clock.sleep,
    )
    assert result == "ACTIVE"
    assert clock.slept == [2, 2]
    with pytest.raises(ResourceFailed, match="server x is ERROR: No valid host") as failed:
        poll_status(
            lambda: "ERROR",
            lambda s: s,
            wanted={"ACTIVE"},
            failed={"ERROR"},
            what="server x",
            timeout=60,
            interval=2,
            fault_of=lambda _: "No valid host",
            clock=clock,
            sleep=clock.sleep,
        )
    assert failed.value.fault == "No valid host"
    with pytest.raises(WaitTimeout, match="still BUILD after 5s"):
        poll_status(
            lambda: "BUILD",
            lambda s: s,
            wanted={"ACTIVE"},
            failed={"ERROR"},
            what="server x",
            timeout=5,
            interval=2,
            clock=clock,
            sleep=clock.sleep,
        )


def test_list_filters() -> None:
    since = datetime(2026, 11, 23, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    params = ListOpts(
        tags=["a", "b"],
        tags_any=["c"],
        name="^web$",
        status="ACTIVE",
        changes_since=since,
        limit=50,
    ).to_params()
    assert params == [
        ("tags", "a,b"),
        ("tags-any", "c"),
        ("name", "^web$"),
        ("status", "ACTIVE"),
        ("changes-since", "2026-11-23T12:00:00+02:00"),
        ("limit", "50"),
    ]
    with pytest.raises(ValueError, match="timezone-aware"):
        ListOpts(changes_since=datetime(2026, 1, 1))
    assert ListOpts(changes_since=datetime(2026, 1, 1, tzinfo=UTC)).to_params()


def test_create_body() -> None:
    opts = CreateOpts(
        name="web-1",
        flavor_ref="f",
        image_ref="i",
        networks=[NetworkSpec(uuid="n1", fixed_ip="10.0.0.5"), NetworkSpec(port="p1")],
        key_name="k",
        security_groups=["default", "web"],
        availability_zone="az1",
        user_data="#cloud-config\n",
        metadata={"a:b": "c"},
        tags=["iop-uid-1"],
    )
    assert opts.to_body() == {
        "server": {
            "name": "web-1",
            "flavorRef": "f",
            "imageRef": "i",
            "networks": [{"uuid": "n1", "fixed_ip": "10.0.0.5"}, {"port": "p1"}],
            "key_name": "k",
            "security_groups": [{"name": "default"}, {"name": "web"}],
            "availability_zone": "az1",
            "user_data": "I2Nsb3VkLWNvbmZpZwo=",
            "metadata": {"a:b": "c"},
            "tags": ["iop-uid-1"],
        }
    }
    minimal = CreateOpts(name="x", flavor_ref="f", image_ref="i", networks="none").to_body()
    assert minimal == {
        "server": {"name": "x", "flavorRef": "f", "imageRef": "i", "networks": "none"}
    }
    with pytest.raises(ValueError, match="exactly one of uuid and port"):
        NetworkSpec(uuid="n", port="p")
    with pytest.raises(ValueError, match="base64"):
        CreateOpts(name="x", flavor_ref="f", image_ref="i", user_data=b"x" * 60000)
    with pytest.raises(ValueError, match="at most 50 tags"):
        CreateOpts(name="x", flavor_ref="f", image_ref="i", tags=[str(n) for n in range(51)])
