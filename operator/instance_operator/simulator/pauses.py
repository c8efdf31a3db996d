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
is gone, so a test can release it only after the simulator has seen the connection drop. The
bookkeeping is the development kit's (:mod:`instance_operator.devkit.pauses`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from instance_operator.devkit import pauses

Point = Literal["received", "read", "acted"]
POINTS: tuple[str, ...] = get_args(Point)


@dataclass
class Pause(pauses.Pause):
    #: How many more matching requests it holds.
    left: int = 1


def _one_less(pause: Pause) -> None:
    pause.left -= 1


class Pauses:
    def __init__(self) -> None:
        self._book: pauses.PauseBook[Pause] = pauses.PauseBook(POINTS)

    def arm(self, point: str, method: str, path: str, count: int = 1) -> Pause:
        """Hold the next ``count`` requests ``method path`` (a route template) at ``point``."""
        if count < 1:
            raise ValueError("count must be at least 1")
        return self._book.arm(lambda id_: Pause(id_, point, method.upper(), path, left=count))

    def get(self, pause_id: int) -> Pause:
        """A copy of the pause's state; ``KeyError`` if unknown."""
        return self._book.get(pause_id)

    def release(self, pause_id: int) -> None:
        """Let every request it holds (and will hold) go on; ``KeyError`` if unknown."""
        self._book.release(pause_id)

    def clear(self) -> None:
        """Release and forget every pause."""
        self._book.clear()

    async def reached(
        self, point: str, method: str, path: str, client_gone: Callable[[], bool]
    ) -> None:
        """Called by the pipeline at each point: returns at once unless a pause takes the request."""
        if self._book.empty:
            return
        pause = self._book.take(
            lambda p: (p.point, p.method, p.path) == (point, method, path) and p.left > 0,
            _one_less,
        )
        if pause is not None:
            await self._book.hold(pause, client_gone)
