"""Request pauses: the bookkeeping both stand-ins use to hold one request at an exact point.

A crash test needs its client to die at a known moment of a request's life. The simulator (Nova)
and the embedded Kubernetes API each decide *where* a request can be held and *which* request a
pause takes; this module keeps the pauses (armed, reached, released) and holds a request until
the test releases it, noting when the request's client went away meanwhile.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

#: Seconds between looks at a held request's release flag.
POLL = 0.02


@dataclasses.dataclass
class Pause:
    id: int
    point: str
    method: str
    path: str
    #: How many requests it has held so far.
    reached: int = 0
    released: bool = False
    #: The client of a held request has closed its connection (died, or gave up).
    client_gone: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


P = TypeVar("P", bound=Pause)


class PauseBook(Generic[P]):
    """The armed pauses of one stand-in; thread-safe (tests arm and release from other threads,
    requests are held on the server's event loop)."""

    def __init__(self, points: tuple[str, ...]) -> None:
        self._points = points
        self._lock = threading.Lock()
        self._pauses: dict[int, P] = {}
        self._ids = itertools.count(1)

    def arm(self, make: Callable[[int], P]) -> P:
        """Store the pause ``make(id)`` builds; a copy of it."""
        with self._lock:
            pause = make(next(self._ids))
            if pause.point not in self._points:
                raise ValueError(
                    f"unknown point {pause.point!r}; expected one of {', '.join(self._points)}"
                )
            self._pauses[pause.id] = pause
            return dataclasses.replace(pause)

    def get(self, pause_id: int) -> P:
        """A copy of the pause's state; ``KeyError`` if unknown."""
        with self._lock:
            return dataclasses.replace(self._pauses[pause_id])

    def release(self, pause_id: int) -> None:
        """Let every request it holds go on; ``KeyError`` if unknown."""
        with self._lock:
            self._pauses[pause_id].released = True

    def clear(self) -> None:
        """Release and forget every pause."""
        with self._lock:
            for pause in self._pauses.values():
                pause.released = True
            self._pauses.clear()

    @property
    def empty(self) -> bool:
        """No pause armed (read without the lock: the common case costs nothing)."""
        return not self._pauses

    def take(self, wants: Callable[[P], bool], taken: Callable[[P], None]) -> P | None:
        """The first pause that ``wants`` the request, after ``taken`` counted it; or ``None``."""
        with self._lock:
            pause = next((p for p in self._pauses.values() if wants(p)), None)
            if pause is not None:
                taken(pause)
                pause.reached += 1
            return pause

    async def hold(self, pause: P, client_gone: Callable[[], bool] = lambda: False) -> None:
        """Until the pause is released. A cancelled hold (the server cancels the handler of a
        client that is gone) notes it and passes the cancellation on."""
        try:
            while True:
                with self._lock:
                    pause.client_gone = pause.client_gone or client_gone()
                    if pause.released:
                        return
                await asyncio.sleep(POLL)
        except asyncio.CancelledError:
            with self._lock:
                pause.client_gone = True
            raise
