"""Lazily applied state transitions: one heap for the whole cloud instead of a timer per object.

Every asynchronous step (a build finishing, a snapshot becoming active) is a callback with a
due time. Nothing runs in the background: before any read or write the cloud calls
``advance(now)`` with the time of its ``clock.Clock``, which applies the due callbacks in due
order, each told its own due time so ``updated`` timestamps are the moment the step finished
rather than the moment someone looked. With 10,000 servers a request costs O(due steps * log n),
not O(n).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

Step = Callable[[float], None]


class Timeline:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Step]] = []
        self._order = itertools.count()

    def at(self, due: float, step: Step) -> None:
        heapq.heappush(self._heap, (due, next(self._order), step))

    def advance(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, step = heapq.heappop(heap)
            step(due)

    def clear(self) -> None:
        self._heap.clear()
