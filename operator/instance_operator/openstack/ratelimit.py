"""A client-side rate limit and concurrency cap per endpoint.

So a burst of reconciles cannot flood a cloud: every request to one endpoint (scheme, host, port)
first takes one of ``concurrency`` slots, then waits for its turn: turns are ``1/rate`` seconds
apart, with no burst allowance, so no one-second window ever holds more than ``rate`` requests
(a token bucket that allows bursts lets a window see up to twice the rate). urllib3's retries
take a fresh turn too (see ``retry.py``), so the limit counts what the cloud really receives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class RateLimiter:
    """Thread-safe turns at least ``1/rate`` seconds apart; callers wait rather than fail.

    Turns are spaced by when they are *taken*, not reserved ahead: a caller holds the limiter
    while it sleeps until ``1/rate`` after the previous turn, and the next caller measures from
    that real moment. Reserving future turns instead lets callers that woke late (a thread held
    off by the GIL while another parses a big listing) go out together, a burst the cloud sees.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last = float("-inf")

    def acquire(self) -> float:
        """Wait for a turn; returns the seconds waited (queueing behind other callers included)."""
        asked = self._clock()
        with self._lock:
            now = self._clock()
            wait = self._last + self._interval - now
            if wait > 0:
                self._sleep(wait)
                now = self._clock()
            self._last = now
        return now - asked


#: Seconds the current thread waited at gates, for the transport to report with the request.
_waited = threading.local()


def take_waited() -> float:
    """Seconds this thread waited for slots and turns since the last call, and start over."""
    seconds: float = getattr(_waited, "seconds", 0.0)
    _waited.seconds = 0.0
    return seconds


#: Shorter than this is a turn had at once: the microseconds of a lock handover are no throttle,
#: and counting them would make the rate-limit wait metric count nearly every request.
NO_WAIT = 0.001


def _add_waited(seconds: float) -> None:
    if seconds >= NO_WAIT:
        _waited.seconds = getattr(_waited, "seconds", 0.0) + seconds


class EndpointGate:
    """The concurrency slots and the rate limiter of one endpoint."""

    def __init__(self, *, concurrency: int, rate: float | None) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self.limiter = RateLimiter(rate) if rate is not None else None

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one concurrency slot (and one rate-limit turn) for a request."""
        asked = time.monotonic()
        with self._slots:
            _add_waited(time.monotonic() - asked)
            self.wait_turn()
            yield

    def wait_turn(self) -> None:
        if self.limiter is not None:
            _add_waited(self.limiter.acquire())
