"""The simulator's sense of time: the wall clock, unless a test stops it and steps it by hand.

Every state transition (a build finishing, a snapshot saving, a deleted server vanishing), every
timestamp the API shows, every token expiry and the requests-per-second counters are measured
against ``Clock.now()``. Running, it follows the wall clock; frozen, it stands still until
``advance`` moves it, so a test can look at each intermediate state for as long as it likes
instead of racing a 50 ms window on a loaded machine. It never runs backwards: ``resume`` carries
on from the frozen time, not from the wall clock's. Injected latencies and hangs stay on wall
time: they hold a real client's connection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        #: Added to the wall clock while running (moved by ``advance`` and ``resume``).
        self._offset = 0.0
        #: The standing time while frozen, else ``None``.
        self._frozen_at: float | None = None

    def now(self) -> float:
        with self._lock:
            return self._now()

    def _now(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._wall() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self) -> float:
        """Stop time where it is (a no-op when already frozen); returns that time."""
        with self._lock:
            self._frozen_at = self._now()
            return self._frozen_at

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds``, frozen or not; returns the new time."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward; got {seconds} seconds")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            return self._now()

    def resume(self) -> float:
        """Let time run again from where it stands; returns the current time."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._wall()
                self._frozen_at = None
            return self._now()
