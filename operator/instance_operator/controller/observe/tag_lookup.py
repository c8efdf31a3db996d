"""Look servers up by their ``iop-uid-`` tag, many Instances per request.

Before every create the operator asks Nova whether a server with the Instance's tag exists (the
guard against a second server after a crash). Asked one by one, that doubles the requests of a
mass creation; asked together, ``GET /servers/detail?tags-any=iop-uid-a,iop-uid-b,...`` answers a
batch in one request. Callers block for at most the gathering window; the answer is always fresh
from Nova, never from a cache, so the guard is as strong as a lookup of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from queue import Empty, SimpleQueue

from instance_operator.api.names import server_tag
from instance_operator.controller.observe.observed import Observed

#: Tags per request: ~45 characters each keeps the URL far below proxies' limits.
MAX_BATCH = 40
#: How long the first caller's request waits for others to join it.
WINDOW = 0.02

Fetch = Callable[[Sequence[str]], list[Observed]]


class LookupClosed(RuntimeError):
    """A lookup asked after its scope's session closed (a transient failure: the pass retries)."""


class TagLookup:
    def __init__(self, fetch: Fetch, *, window: float = WINDOW, max_batch: int = MAX_BATCH) -> None:
        """``fetch(tags)`` lists the servers that have any of ``tags`` (deleted ones excluded)."""
        self._fetch = fetch
        self._window = window
        self._max_batch = max_batch
        #: ``None`` asks the thread to stop.
        self._queue: SimpleQueue[tuple[str, Future[Observed | None]] | None] = SimpleQueue()
        #: Held while queueing, so that nothing is queued behind the stop.
        self._lock = threading.Lock()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="tag-lookup", daemon=True)
        self._thread.start()

    def find(self, uid: str) -> Observed | None:
        """The server tagged for this Instance (the oldest, should there ever be several)."""
        future: Future[Observed | None] = Future()
        with self._lock:
            if self._stopped:
                raise LookupClosed("the scope's session closed during this pass; it is retried")
            self._queue.put((uid, future))
        return future.result()

    def stop(self) -> None:
        """Answer what is queued, then end the thread (its scope's session is closing)."""
        with self._lock:
            self._stopped = True
            self._queue.put(None)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self._window
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._answer(batch)

    def _answer(self, batch: list[tuple[str, Future[Observed | None]]]) -> None:
        try:
            found = self._fetch(sorted({server_tag(uid) for uid, _ in batch}))
        except Exception as exc:
            for _, future in batch:
                future.set_exception(exc)
            return
        for uid, future in batch:
            mine = [s for s in found if server_tag(uid) in s.tags]
            future.set_result(min(mine, key=_age) if mine else None)


def _age(server: Observed) -> tuple[bool, str]:
    return (server.created is None, server.created.isoformat() if server.created else "")
