"""Pauses: hold one request at an exact point of the pipeline until the test lets it go.

A crash test needs the client to die at a known moment of a request's life, not at a random one.
A test arms a pause for (point, method, path template); the next matching request stops there, the
test sees that it was reached, kills the client, and releases it. The points:

- ``received``: the headers are in, the body is not read yet. A client that dies here loses the
  request: reading the body fails, Nova never acts (the request broke off mid-body).
- ``read``: the body is read, the handler has not run. The request is now Nova's: released, it is
  carried out whether or not the client is still there (a request queued in front of nova-api).
- ``acted``: the handler ran (Nova acted and logged it), the answer is not sent yet.

Thread-safe: the pipeline waits on the simulator's loop, a test arms and releases from another
thread (in-process) or over ``/_sim/pauses`` (a subprocess). A held request notes when its client
is gone, so a test can release it only after the simulator has seen the connection drop.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

Point = Literal["received", "read", "acted"]
POINTS: tuple[str, ...] = get_args(Point)
#: Seconds between looks at a held request's release flag.
_POLL = 0.02


@dataclass
class Pause:
    id: int
    point: str
    method: str
    path: str
    #: How many more matching requests it holds.
    left: int
    #: How many requests it has held so far.
    reached: int = 0
    released: bool = False
    #: The client of a held request has closed its connection (died, or gave up).
    client_gone: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Pauses:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pauses: dict[int, Pause] = {}
        self._ids = itertools.count(1)

    def arm(self, point: str, method: str, path: str, count: int = 1) -> Pause:
        """Hold the next ``count`` requests ``method path`` (a route template) at ``point``."""
        if point not in POINTS:
            raise ValueError(f"unknown point {point!r}; expected one of {', '.join(POINTS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            pause = Pause(next(self._ids), point, method.upper(), path, count)
            self._pauses[pause.id] = pause
            return Pause(**pause.as_dict())

    def get(self, pause_id: int) -> Pause:
        """A copy of the pause's state; ``KeyError`` if unknown."""
        with self._lock:
            return Pause(**self._pauses[pause_id].as_dict())

    def release(self, pause_id: int) -> None:
        """Let every request it holds (and will hold) go on; ``KeyError`` if unknown."""
        with self._lock:
            self._pauses[pause_id].released = True

    def clear(self) -> None:
        """Release and forget every pause."""
        with self._lock:
            for pause in self._pauses.values():
                pause.released = True
            self._pauses.clear()

    async def reached(
        self, point: str, method: str, path: str, client_gone: Callable[[], bool]
    ) -> None:
        """Called by the pipeline at each point: returns at once unless a pause takes the request."""
        if not self._pauses:  # the common case, without the lock
            return
        with self._lock:
            pause = next(
                (
                    p
                    for p in self._pauses.values()
                    if (p.point, p.method, p.path) == (point, method, path) and p.left > 0
                ),
                None,
            )
            if pause is None:
                return
            pause.left -= 1
            pause.reached += 1
        while True:
            with self._lock:
                pause.client_gone = pause.client_gone or client_gone()
                if pause.released:
                    return
            await asyncio.sleep(_POLL)
