"""Polling a resource until it reaches a status, shared by servers and images.

A plain loop with an injectable clock and sleep, so tests run it in milliseconds. It is for
callers that can afford to block a worker thread (snapshots, ``check-cloud``, tests); the
reconciler's normal path re-reads state on its next round instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TypeVar

from instance_operator.openstack.errors import ResourceFailed, WaitTimeout

T = TypeVar("T")


def poll_status(
    fetch: Callable[[], T],
    status_of: Callable[[T], str],
    *,
    wanted: Collection[str],
    failed: Collection[str],
    what: str,
    timeout: float,
    interval: float,
    fault_of: Callable[[T], str | None] = lambda _: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Fetch until the status is in ``wanted``; ``ResourceFailed`` on ``failed``,
    ``WaitTimeout`` after ``timeout`` seconds."""
    deadline = clock() + timeout
    while True:
        current = fetch()
        status = status_of(current)
        if status in wanted:
            return current
        if status in failed:
            fault = fault_of(current)
            detail = f": {fault}" if fault else ""
            raise ResourceFailed(f"{what} is {status}{detail}", status=status, fault=fault)
        left = deadline - clock()
        if left <= 0:
            raise WaitTimeout(
                f"{what} is still {status} after {timeout:g}s (waiting for {'/'.join(wanted)})"
            )
        sleep(min(interval, left))
