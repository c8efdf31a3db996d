from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.tag_lookup import LookupClosed, TagLookup


def server(server_id: str, tag: str, created: int) -> Observed:
    return Observed(
        id=server_id, name=server_id, status="ACTIVE", task_state=None, power_state=1, updated=None,
        created=datetime(2026, 1, 1, 0, 0, created, tzinfo=UTC), addresses=(), flavor_id=None,
        flavor_name=None, image_id=None, key_name=None, availability_zone=None, server_groups=None, fault_code=None, fault_message=None, tags=(tag,),
        metadata={}, security_groups=(), seen_at=0.0,
    )  # fmt: skip


class Nova:
    def __init__(self, servers: list[Observed]) -> None:
        self.servers = servers
        self.calls: list[list[str]] = []
        self.lock = threading.Lock()

    def __call__(self, tags: Sequence[str]) -> list[Observed]:
        with self.lock:
            self.calls.append(list(tags))
        return [s for s in self.servers if set(s.tags) & set(tags)]


def test_concurrent_lookups_share_requests() -> None:
    nova = Nova([server("s1", "iop-uid-u1", 1), server("s7", "iop-uid-u7", 1)])
    # A window far longer than the test: the batch closes when it is full, not when time is up.
    lookup = TagLookup(nova, window=60.0, max_batch=20)
    with ThreadPoolExecutor(20) as pool:
        found = dict(
            zip(range(20), pool.map(lambda i: lookup.find(f"u{i}"), range(20)), strict=True)
        )
    assert found[1] is not None
    assert found[1].id == "s1"
    assert found[7] is not None
    assert found[7].id == "s7"
    assert sum(1 for v in found.values() if v is None) == 18
    assert nova.calls == [sorted(f"iop-uid-u{i}" for i in range(20))]  # one request for all


def test_batches_are_bounded() -> None:
    nova = Nova([])
    lookup = TagLookup(nova, window=0.05, max_batch=5)
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda i: lookup.find(f"u{i}"), range(12)))
    assert max(len(c) for c in nova.calls) <= 5
    assert sum(len(c) for c in nova.calls) == 12


def test_the_oldest_of_two_wins() -> None:
    nova = Nova([server("newer", "iop-uid-u", 5), server("older", "iop-uid-u", 2)])
    found = TagLookup(nova).find("u")
    assert found is not None
    assert found.id == "older"


def test_a_failed_request_fails_every_caller_in_it() -> None:
    def broken(tags: Sequence[str]) -> list[Observed]:
        raise RuntimeError("nova is down")

    lookup = TagLookup(broken, window=0.05)
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(lookup.find, f"u{i}") for i in range(3)]
        for future in futures:
            with pytest.raises(RuntimeError, match="nova is down"):
                future.result()


def test_stop_answers_what_is_queued_then_ends_the_thread() -> None:
    busy, release = threading.Event(), threading.Event()
    known = Nova([server("s0", "iop-uid-u0", 1), server("s1", "iop-uid-u1", 1)])

    def nova(tags: Sequence[str]) -> list[Observed]:
        busy.set()
        release.wait(30)
        return known(tags)

    lookup = TagLookup(nova, max_batch=1)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(lookup.find, "u0")
        assert busy.wait(30)  # the thread is in Nova with u0
        second = pool.submit(lookup.find, "u1")
        while lookup._queue.qsize() == 0:  # u1 waits behind the busy thread
            threading.Event().wait(0.01)
        lookup.stop()
        release.set()
        answers = [first.result(timeout=30), second.result(timeout=30)]
    assert [a.id if a else None for a in answers] == ["s0", "s1"]
    lookup._thread.join(30)
    assert not lookup._thread.is_alive()
    with pytest.raises(LookupClosed):
        lookup.find("u2")
