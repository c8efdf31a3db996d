"""When urllib3 repeats a request by itself, built from the provider's ``RetryPolicy``.

urllib3's ``Retry`` mounted through requests' ``HTTPAdapter`` does most of what keystoneauth does:
connection errors are retried for every method (nothing reached the server), read errors and
502/503/504 only for idempotent methods, with exponential backoff, jitter and ``Retry-After``.
Where it is not enough, this subclass adds:

* 429 and 413 *with* ``Retry-After`` are retried for every method, POST included: the service
  says it refused the request unprocessed, so repeating a server create is not a blind retry.
  Plain urllib3 retries no POST at all, and a 503 or a read timeout on a POST stays unretried
  here too (the service may have acted; that is ``OutcomeUnknown``'s job).
* 429 *without* ``Retry-After`` is retried with the normal backoff for idempotent requests
  (urllib3 retries a 429 only when it says when); a POST then stays unretried, as above.
* A request sent inside ``as_idempotent()`` is retried like a GET whatever its method: the
  Keystone token POST creates nothing, so a 503 or a lost answer from Keystone is repeated.
* Each retry waits for a turn in the endpoint's rate limiter, which urllib3 knows nothing about.
* ``Retry-After`` is capped by the policy, whatever urllib3 version is installed.

Re-authentication on 401 is not urllib3's business; the provider does it (``provider.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Self

from urllib3.util.retry import Retry

from instance_operator.openstack.ratelimit import EndpointGate
from instance_operator.openstack.settings import RetryPolicy

#: Methods that may be repeated after the request may have reached the service.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: Statuses that mean "refused, not processed" when they come with ``Retry-After``.
REFUSED_STATUSES = frozenset({413, 429})
#: Retried for idempotent requests even without ``Retry-After``.
TOO_MANY_REQUESTS = 429

#: Whether the request being sent by this thread may be repeated whatever its method. A context
#: variable because requests gives the adapter no per-request options, and urllib3 consults the
#: ``Retry`` in the thread (and context) that called ``Session.request``.
_IDEMPOTENT: ContextVar[bool] = ContextVar("instance_operator_idempotent", default=False)


@contextmanager
def as_idempotent(enabled: bool = True) -> Iterator[None]:
    """Within the block, requests of this thread are retried as if their method were a GET."""
    reset = _IDEMPOTENT.set(enabled)
    try:
        yield
    finally:
        _IDEMPOTENT.reset(reset)


class GatedRetry(Retry):
    """urllib3's ``Retry`` with the additions listed in the module docstring."""

    def __init__(
        self,
        *args: Any,
        gate: EndpointGate | None = None,
        retry_after_cap: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.retry_after_cap = retry_after_cap

    def new(self, **kw: Any) -> Self:
        kw.setdefault("gate", self.gate)
        kw.setdefault("retry_after_cap", self.retry_after_cap)
        return super().new(**kw)

    def _is_method_retryable(self, method: str) -> bool:
        # urllib3's one question for both status and read-error retries (urllib3 >= 2).
        return _IDEMPOTENT.get() or super()._is_method_retryable(method)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if has_retry_after and status_code in REFUSED_STATUSES and self.total:
            return True
        if status_code == TOO_MANY_REQUESTS and self.total and self._is_method_retryable(method):
            return True  # without Retry-After, ``sleep`` falls back to the backoff
        return super().is_retry(method, status_code, has_retry_after)

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self.gate is not None:
            self.gate.wait_turn()


def build_retry(policy: RetryPolicy, gate: EndpointGate | None) -> GatedRetry:
    """The ``Retry`` for one endpoint's adapter."""
    return GatedRetry(
        total=policy.retries,
        connect=policy.retries,
        read=policy.retries,
        status=policy.retries,
        other=0,
        redirect=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=policy.retry_statuses,
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        backoff_jitter=policy.backoff_jitter,
        respect_retry_after_header=True,
        # Give the caller the last answer instead of urllib3's MaxRetryError, so a 503 after
        # all retries still becomes ServiceUnavailable with the service's message.
        raise_on_status=False,
        raise_on_redirect=False,
        gate=gate,
        retry_after_cap=policy.retry_after_max,
    )
