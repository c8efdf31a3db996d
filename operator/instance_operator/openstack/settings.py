"""How a provider behaves on the wire: timeouts, retries, rate limit and concurrency per endpoint.

Kept apart from the cloud's configuration (``config.py``) because it is the operator's choice, not
the cloud owner's: the same clouds.yaml runs with the operator's own limits. The defaults follow
keystoneauth where it has one (exponential backoff from 0.5 s, capped at 60 s; 503 retried).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetryPolicy(BaseModel):
    """When a request is repeated, and how long to wait in between."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Attempts after the first one, for any reason.
    retries: int = Field(default=3, ge=0)
    #: First backoff in seconds; doubles with each further retry (the first retry is immediate).
    backoff_factor: float = Field(default=0.5, ge=0)
    #: Ceiling of one backoff, in seconds.
    backoff_max: float = Field(default=60.0, ge=0)
    #: Up to this many seconds of random jitter are added to each backoff.
    backoff_jitter: float = Field(default=0.5, ge=0)
    #: Statuses retried for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) and for the
    #: Keystone token POST.
    retry_statuses: frozenset[int] = frozenset({502, 503, 504})
    #: ``Retry-After`` values above this many seconds are cut down to it.
    retry_after_max: float = Field(default=60.0, ge=0)


class Settings(BaseModel):
    """Everything a provider needs besides the cloud's own configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Seconds to wait for a TCP (and TLS) connection.
    connect_timeout: float = Field(default=10.0, gt=0)
    #: Seconds to wait for an answer once the request is sent.
    read_timeout: float = Field(default=60.0, gt=0)
    retry: RetryPolicy = RetryPolicy()
    #: Requests per second to one endpoint (scheme, host and port); ``None`` for no limit.
    rate_limit: float | None = Field(default=10.0, gt=0)
    #: Requests that may be in flight to one endpoint at once; also its connection pool size.
    concurrency: int = Field(default=8, ge=1)
    #: Re-authenticate when the token has fewer than this many seconds left (or, for tokens
    #: issued for less than twice this, when half their lifetime is gone).
    reauth_margin: float = Field(default=120.0, ge=0)
    #: After a failed authentication, callers get the same error for this many seconds instead
    #: of asking Keystone again (a bad password retried by every worker can lock the account).
    auth_failure_hold: float = Field(default=10.0, ge=0)

    @property
    def longest_call(self) -> float:
        """The longest one attempt of a request can stay unanswered: connecting, then waiting."""
        return self.connect_timeout + self.read_timeout
