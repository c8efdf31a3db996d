"""Waiting for a server to reach a status, or to be gone (gophercloud's WaitForStatus)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from instance_operator.openstack.compute.servers.requests import get
from instance_operator.openstack.compute.servers.results import Server
from instance_operator.openstack.errors import NotFound
from instance_operator.openstack.polling import poll_status
from instance_operator.openstack.service import ServiceClient

#: A server here will not get out of it by waiting.
FAILED = frozenset({"ERROR"})


def wait_for_status(
    client: ServiceClient,
    server_id: str,
    wanted: str | Collection[str],
    *,
    timeout: float = 600.0,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Server:
    """The server once its status is ``wanted``; ``ResourceFailed`` (with Nova's fault message)
    if it goes to ERROR first, ``WaitTimeout`` after ``timeout`` seconds."""
    targets = {wanted} if isinstance(wanted, str) else set(wanted)
    return poll_status(
        lambda: get(client, server_id),
        lambda server: server.status,
        wanted=targets,
        failed=FAILED - targets,
        what=f"server {server_id}",
        timeout=timeout,
        interval=interval,
        fault_of=lambda server: server.fault.message if server.fault else None,
        clock=clock,
        sleep=sleep,
    )


def wait_for_delete(
    client: ServiceClient,
    server_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Until ``GET`` answers 404. Right after a delete Nova may still answer 200 (task state
    ``deleting``, or status ``DELETED``), so neither counts as gone; nor is ERROR a failure
    here, since servers in ERROR are deleted all the time."""

    def fetch() -> str:
        try:
            return get(client, server_id).status
        except NotFound:
            return "GONE"

    poll_status(
        fetch,
        lambda status: status,
        wanted={"GONE"},
        failed=(),
        what=f"server {server_id}",
        timeout=timeout,
        interval=interval,
        clock=clock,
        sleep=sleep,
    )
