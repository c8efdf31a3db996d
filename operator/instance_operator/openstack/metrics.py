"""The hook through which every request is counted and timed.

A plain callback protocol so the client does not depend on any metrics library; the Prometheus
exporter plugs in later by implementing ``on_request``. Paths arrive as templates
(``servers/{server_id}/action``), never with IDs in them, so label cardinality stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RequestSample:
    """One finished request as seen by the caller (urllib3's retries included)."""

    #: Catalog service type: ``identity``, ``compute``, ``image``, ``network``.
    service: str
    method: str
    #: The route template relative to the endpoint, e.g. ``servers/{server_id}``.
    path_template: str
    #: The final HTTP status, or ``None`` when no answer came (connection error, timeout).
    status: int | None
    #: Wall-clock seconds, waiting for the rate limit and retries included.
    seconds: float
    #: The statuses of the attempts urllib3 repeated before this outcome (``None`` where no
    #: answer came), so every attempt the service saw can be counted.
    retried: tuple[int | None, ...]
    #: Seconds of ``seconds`` spent waiting for the endpoint's client-side limits: a
    #: concurrency slot and rate-limit turns (retries' turns included).
    rate_limit_wait: float = 0.0

    @property
    def retries(self) -> int:
        return len(self.retried)


class MetricsHook(Protocol):
    def on_request(self, sample: RequestSample) -> None:
        """Called once per request, from the thread that made it; must not block."""


class NoMetrics:
    """The hook used when the caller gives none."""

    def on_request(self, sample: RequestSample) -> None:
        return None
