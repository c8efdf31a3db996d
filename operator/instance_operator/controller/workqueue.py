"""A coalescing, delaying work queue of Instance keys, served by a pool of worker threads.

Two sources ask for reconciles: kopf (the spec or an annotation changed) and the shared watcher
(the server changed in OpenStack). Both only name the Instance; the reconcile then reads the freshest
state. So a key is processed by one worker at a time, requests that arrive while it is queued merge
into one, and a request that arrives while it is being processed runs it once more afterwards. The
workers are threads because the OpenStack client is synchronous, and kopf's event loop must never
wait on it.

Retries are delays on the same queue (``add_after``), not sleeping handlers: a broken Instance costs
a timer entry, not a thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

log = logging.getLogger(__name__)

#: What a processing function returns: seconds until the key should be processed again, or None.
Requeue = float | None


@dataclass(frozen=True)
class QueueStats:
    """What a scrape shows: a backlog that grows, or an old key, means workers cannot keep up."""

    #: Keys waiting for a worker (not those being processed, nor those scheduled for later).
    depth: int
    #: Seconds the longest-waiting key has waited for a worker; 0 when none waits.
    oldest_seconds: float


class WorkQueue(Generic[K]):
    def __init__(
        self, process: Callable[[K], Requeue], *, workers: int, name: str = "reconcile"
    ) -> None:
        self._process = process
        self._lock = threading.Condition()
        self._ready: deque[K] = deque()
        self._queued: set[K] = set()
        #: ``time.monotonic()`` at which each waiting key joined ``_ready``.
        self._since: dict[K, float] = {}
        self._processing: set[K] = set()
        self._dirty: set[K] = set()
        self._delayed: list[tuple[float, int, K]] = []
        self._due: dict[K, float] = {}
        self._sequence = itertools.count()
        self._waiters: dict[K, list[Future[None]]] = {}
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        self._threads.append(
            threading.Thread(target=self._schedule, name=f"{name}-timer", daemon=True)
        )

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopping = True
            waiters = [f for futures in self._waiters.values() for f in futures]
            self._waiters.clear()
            self._lock.notify_all()
        for future in waiters:
            future.cancel()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def add(self, key: K) -> None:
        with self._lock:
            self._enqueue(key)

    def submit(self, key: K) -> Future[None]:
        """Queue the key; the future resolves when a run that started after this call ends."""
        future: Future[None] = Future()
        with self._lock:
            self._waiters.setdefault(key, []).append(future)
            self._enqueue(key)
        return future

    def add_after(self, key: K, delay: float) -> None:
        """Process the key in ``delay`` seconds, unless an earlier request is already scheduled."""
        due = time.monotonic() + max(0.0, delay)
        with self._lock:
            if key in self._due and self._due[key] <= due:
                return
            self._due[key] = due
            heapq.heappush(self._delayed, (due, next(self._sequence), key))
            self._lock.notify_all()

    def forget(self, key: K) -> None:
        """Drop scheduled retries of a key (the Instance is gone)."""
        with self._lock:
            self._due.pop(key, None)

    def pending(self) -> int:
        with self._lock:
            return len(self._ready) + len(self._processing)

    def stats(self) -> QueueStats:
        with self._lock:
            oldest = self._since[self._ready[0]] if self._ready else None
            depth = len(self._ready)
        age = time.monotonic() - oldest if oldest is not None else 0.0
        return QueueStats(depth=depth, oldest_seconds=age)

    def _enqueue(self, key: K) -> None:
        self._due.pop(key, None)  # an immediate run supersedes a scheduled one
        if key in self._processing:
            self._dirty.add(key)
        elif key not in self._queued:
            self._queued.add(key)
            self._since[key] = time.monotonic()
            self._ready.append(key)
            self._lock.notify_all()

    def _schedule(self) -> None:
        with self._lock:
            while not self._stopping:
                now = time.monotonic()
                while self._delayed and self._delayed[0][0] <= now:
                    due, _, key = heapq.heappop(self._delayed)
                    if self._due.get(key) == due:
                        self._enqueue(key)
                wait = self._delayed[0][0] - now if self._delayed else None
                self._lock.wait(wait)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._ready and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                key = self._ready.popleft()
                self._since.pop(key, None)
                self._queued.discard(key)
                self._processing.add(key)
                waiters = self._waiters.pop(key, [])
            delay: Requeue = None
            try:
                delay = self._process(key)
            except Exception:
                log.exception("Reconciling %s failed unexpectedly; retrying in 30 s", key)
                delay = 30.0
            finally:
                with self._lock:
                    self._processing.discard(key)
                    if key in self._dirty:  # asked for again meanwhile: that run decides
                        self._dirty.discard(key)
                        self._enqueue(key)
                        delay = None
                for future in waiters:
                    future.set_result(None)
            if delay is not None:
                self.add_after(key, delay)
