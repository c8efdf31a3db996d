"""The HTTP layer: one ``requests.Session`` per provider, one gated adapter per endpoint.

Everything that touches the wire goes through ``Transport.request``, so this is the one place
that applies the rate limit and concurrency cap, mounts urllib3's retries, keeps TLS settings
from the environment's reach, refuses redirects (requests would forward ``X-Auth-Token`` to the
new host), logs with the token masked, reports metrics, and turns transport failures into
``ConnectionFailed`` / ``ResponseLost`` / ``OutcomeUnknown`` by whether the request may have
reached the service.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from instance_operator import __version__
from instance_operator.openstack.config import TLSConfig
from instance_operator.openstack.errors import (
    ConnectionFailed,
    HttpError,
    OutcomeUnknown,
    ResponseLost,
    TransportError,
    http_error,
)
from instance_operator.openstack.metrics import MetricsHook, NoMetrics, RequestSample
from instance_operator.openstack.ratelimit import EndpointGate, take_waited
from instance_operator.openstack.retry import IDEMPOTENT_METHODS, as_idempotent, build_retry
from instance_operator.openstack.settings import Settings

log = logging.getLogger(__name__)

#: Request headers whose values never reach a log line.
SECRET_HEADERS = frozenset({"x-auth-token", "x-subject-token", "authorization"})
USER_AGENT = f"instance-operator/{__version__}"

Params = Mapping[str, str] | Sequence[tuple[str, str]]


class _EndpointAdapter(HTTPAdapter):
    """An adapter for one endpoint: its own pool, retries, and gate held around each send."""

    def __init__(self, gate: EndpointGate, settings: Settings) -> None:
        super().__init__(
            pool_connections=1,
            pool_maxsize=settings.concurrency,
            max_retries=build_retry(settings.retry, gate),
        )
        self.gate = gate

    def send(  # noqa: PLR0917 - requests.adapters.HTTPAdapter.send's own signature
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        with self.gate.slot():
            return super().send(request, stream, timeout, verify, cert, proxies)


class Transport:
    """Thread-safe: one per provider, shared by every thread using that provider."""

    def __init__(
        self,
        tls: TLSConfig,
        settings: Settings,
        metrics: MetricsHook | None = None,
    ) -> None:
        tls.check_files()  # also for a config not built from clouds.yaml, or a file gone since
        self.settings = settings
        self.metrics: MetricsHook = metrics or NoMetrics()
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # Passed with every request rather than set on the session: requests lets
        # REQUESTS_CA_BUNDLE override a session-level CA path, but not a per-request one.
        self._verify: bool | str = tls.cacert if tls.verify and tls.cacert else tls.verify
        self._cert: tuple[str, str] | str | None = (
            (tls.cert, tls.key) if tls.cert and tls.key else tls.cert
        )
        self._mount_lock = threading.Lock()
        self._adapters: dict[str, _EndpointAdapter] = {}

    def close(self) -> None:
        self._session.close()

    def request(
        self,
        *,
        service: str,
        method: str,
        url: str,
        template: str,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Params | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send one request (urllib3 may repeat it) and return the answer, whatever its status.

        ``idempotent`` says whether the request may be repeated (by urllib3 on a 502/503/504 or
        a lost answer, and by the caller); it defaults to the method's nature, and the Keystone
        token POST passes ``True``.
        """
        method = method.upper()
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        self._ensure_adapter(url)
        log.debug("REQ %s %s %s %s", method, url, params or "", _masked(headers))
        started = time.monotonic()
        status: int | None = None
        retried: tuple[int | None, ...] = ()
        take_waited()
        try:
            with as_idempotent(repeatable):
                response = self._session.request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    json=json,
                    params=params,
                    timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                    verify=self._verify,
                    cert=self._cert,
                    allow_redirects=False,
                )
        except requests.RequestException as exc:
            raise _transport_error(exc, method, url, repeatable) from exc
        else:
            status = response.status_code
            history = getattr(getattr(response.raw, "retries", None), "history", None) or ()
            retried = tuple(attempt.status for attempt in history)
            log.debug(
                "RESP %s %s %s [%s] %.3fs",
                status,
                method,
                url,
                request_id(response.headers),
                time.monotonic() - started,
            )
            return response
        finally:
            elapsed = time.monotonic() - started
            sample = RequestSample(
                service, method, template, status, elapsed, retried, take_waited()
            )
            self._report(sample)

    def _report(self, sample: RequestSample) -> None:
        try:
            self.metrics.on_request(sample)
        except Exception:
            # A broken metrics hook must not turn a server create that succeeded into an error.
            log.exception("metrics hook failed for %s %s", sample.method, sample.path_template)

    def _ensure_adapter(self, url: str) -> None:
        parts = urlsplit(url)
        prefix = f"{parts.scheme}://{parts.netloc}/".lower()
        if prefix in self._adapters:
            return
        with self._mount_lock:
            if prefix in self._adapters:
                return
            gate = EndpointGate(
                concurrency=self.settings.concurrency, rate=self.settings.rate_limit
            )
            adapter = _EndpointAdapter(gate, self.settings)
            # Copy, add, swap: other threads may be iterating the session's adapters right now
            # (requests' own mount() edits the mapping in place). Longest prefix first, as
            # requests expects.
            adapters: dict[str, Any] = dict(self._session.adapters)
            adapters[prefix] = adapter
            ordered = sorted(adapters.items(), key=lambda item: len(item[0]), reverse=True)
            self._session.adapters = OrderedDict(ordered)
            self._adapters[prefix] = adapter


def request_id(headers: Mapping[str, str]) -> str | None:
    """Nova's own request ID first (what ``os-instance-actions`` records), then the global one."""
    return headers.get("x-compute-request-id") or headers.get("x-openstack-request-id")


def error_for(response: requests.Response, method: str, url: str) -> HttpError:
    """The typed error for an error answer."""
    retry_after = None
    raw = response.headers.get("Retry-After", "").strip()
    if raw.isdigit():
        retry_after = float(raw)
    return http_error(
        status_code=response.status_code,
        body=response.content,
        content_type=response.headers.get("Content-Type", ""),
        method=method,
        url=url,
        request_id=request_id(response.headers),
        retry_after=retry_after,
    )


def _masked(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {
        key: "***" if key.lower() in SECRET_HEADERS else value
        for key, value in (headers or {}).items()
    }


def _transport_error(
    exc: requests.RequestException, method: str, url: str, repeatable: bool
) -> TransportError:
    reason = _reason(exc)
    if _never_sent(exc):
        return ConnectionFailed(
            f"{method} {url}: cannot connect ({reason})", method=method, url=url
        )
    if repeatable:
        return ResponseLost(f"{method} {url}: no answer ({reason})", method=method, url=url)
    return OutcomeUnknown(
        f"{method} {url}: sent, but no answer ({reason}); the service may have acted on it",
        method=method,
        url=url,
    )


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before any byte of the request left."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema)
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    return isinstance(cause, NewConnectionError | ConnectTimeoutError)


def _reason(exc: BaseException) -> str:
    """A short cause such as "connection refused" or "read timeout", with no URL or header."""
    if isinstance(exc, requests.ReadTimeout):
        return "read timeout"
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    seen: BaseException | None = exc
    for _ in range(8):  # exception chains are short; the bound guards against cycles
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror.lower()
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nested or seen.__cause__ or seen.__context__
        if isinstance(seen, MaxRetryError) and seen.reason is not None:
            seen = seen.reason
    return type(exc).__name__
