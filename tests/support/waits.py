"""Waiting in tests for a server or image to reach a status, or for a server to be gone.

Only tests block on OpenStack like this: the operator never waits in a worker, it looks again on
its next pass. The loop takes its clock and sleep as arguments, so its own test runs in no time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TypeVar

from instance_operator.openstack.compute import servers
from instance_operator.openstack.errors import NotFound
from instance_operator.openstack.image import images
from instance_operator.openstack.service import ServiceClient

T = TypeVar("T")

#: Statuses a resource does not leave by waiting.
SERVER_FAILED = frozenset({"ERROR"})
IMAGE_FAILED = frozenset({"killed", "deleted", "pending_delete", "deactivated"})


class ResourceFailed(AssertionError):
    """The resource reached a status it will not leave (a server in ERROR, a killed image)."""

    def __init__(self, message: str, *, status: str, fault: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.fault = fault


class WaitTimeout(AssertionError):
    """The resource was still elsewhere when the time was up."""


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
    """``fetch()`` again until its status is one of ``wanted``."""
    deadline = clock() + timeout
    while True:
        current = fetch()
        status = status_of(current)
        if status in wanted:
            return current
        if status in failed:
            fault = fault_of(current)
            raise ResourceFailed(
                f"{what} is {status}" + (f": {fault}" if fault else ""), status=status, fault=fault
            )
        left = deadline - clock()
        if left <= 0:
            raise WaitTimeout(f"{what} is still {status} after {timeout:g}s (wanted {wanted})")
        sleep(min(interval, left))


def server_status(
    client: ServiceClient, server_id: str, wanted: str, *, timeout: float, interval: float
) -> servers.Server:
    """The server once it is ``wanted``; ERROR first fails with Nova's fault message."""
    return poll_status(
        lambda: servers.get(client, server_id),
        lambda server: server.status,
        wanted={wanted},
        failed=SERVER_FAILED - {wanted},
        what=f"server {server_id}",
        timeout=timeout,
        interval=interval,
        fault_of=lambda server: server.fault.message if server.fault else None,
    )


def server_gone(client: ServiceClient, server_id: str, *, timeout: float, interval: float) -> None:
    """Until Nova answers 404: right after a delete it may still show the server (task state
    ``deleting``, or status ``DELETED``), and a server in ERROR is deleted like any other."""

    def status() -> str:
        try:
            return servers.get(client, server_id).status
        except NotFound:
            return "GONE"

    poll_status(
        status,
        lambda s: s,
        wanted={"GONE"},
        failed=(),
        what=f"server {server_id}",
        timeout=timeout,
        interval=interval,
    )


def image_status(
    client: ServiceClient, image_id: str, *, timeout: float, interval: float
) -> images.Image:
    """The image once active (a snapshot goes queued, saving, active)."""
    return poll_status(
        lambda: images.get(client, image_id),
        lambda image: image.status,
        wanted={"active"},
        failed=IMAGE_FAILED,
        what=f"image {image_id}",
        timeout=timeout,
        interval=interval,
    )
