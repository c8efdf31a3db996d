"""Fault injection: what goes wrong, how often, and the dice that decide each request.

Settings are one immutable pydantic model swapped under a lock, so a test thread can change
them while the server thread reads them. The counted faults ("fail the next N creates") are
consumed under the same lock, so N means N even with concurrent clients. ``pauses`` hold one
request at an exact point until a test releases it (see :mod:`pauses`).
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from instance_operator.simulator.pauses import Pauses

Service = Literal["identity", "compute", "image", "network"]
SERVICES: tuple[Service, ...] = ("identity", "compute", "image", "network")


class FaultSettings(BaseModel):
    """Run-time faults; every field defaults to "no fault"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Seconds added before every request to the services below is handled.
    latency: float = Field(0.0, ge=0)
    #: The services that latency and the rate-based faults apply to.
    services: tuple[Service, ...] = SERVICES
    #: Share of requests answered with ``error_status`` instead of being handled.
    error_rate: float = Field(0.0, ge=0, le=1)
    error_status: Literal[500, 503] = 500
    #: Share of requests whose connection is reset without an answer.
    reset_rate: float = Field(0.0, ge=0, le=1)
    #: Share of requests that hang for ``timeout_seconds`` (longer than a client waits), then reset.
    timeout_rate: float = Field(0.0, ge=0, le=1)
    timeout_seconds: float = Field(120.0, ge=0)
    #: Share of requests held for ``hold_seconds`` once read, then carried out: the work is done
    #: late, even if the client gave up or died meanwhile (a queue in front of nova-api).
    hold_rate: float = Field(0.0, ge=0, le=1)
    hold_seconds: float = Field(1.0, ge=0)
    #: Share of requests refused as over the rate limit, with a ``Retry-After`` header ...
    over_limit_rate: float = Field(0.0, ge=0, le=1)
    over_limit_status: Literal[413, 429] = 429
    #: ... of this many seconds; ``None`` leaves the header out, as some proxies do.
    retry_after: int | None = Field(1, ge=0)
    #: The next N server creates fail with ``fail_create_status``.
    fail_next_creates: int = Field(0, ge=0)
    fail_create_status: Literal[403, 409, 413, 429, 500, 503] = 500
    #: When true the failing create still makes the server: the answer is lost, not the work.
    fail_create_after_commit: bool = False
    #: The next N servers created go to ERROR at the end of their build, with a fault.
    error_next_builds: int = Field(0, ge=0)
    build_error_message: str = "No valid host was found. There are not enough hosts available."
    #: Lifetime of tokens issued from now on; ``None`` keeps the configured ``token_ttl``.
    token_ttl: float | None = Field(None, ge=0)

    def retry_after_header(self) -> dict[str, str]:
        """The ``Retry-After`` header of an over-limit answer, or none."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    @model_validator(mode="after")
    def _rates_fit(self) -> FaultSettings:
        total = (
            self.error_rate
            + self.reset_rate
            + self.timeout_rate
            + self.over_limit_rate
            + self.hold_rate
        )
        if total > 1.0:
            raise ValueError(f"fault rates add up to {total}, more than 1")
        return self


class Outcome(enum.Enum):
    """What the dice decided for one request."""

    HANDLE = "handle"
    RESET = "reset"
    TIMEOUT = "timeout"
    HOLD = "hold"
    OVER_LIMIT = "over_limit"
    ERROR = "error"


@dataclass(frozen=True)
class Decision:
    latency: float
    outcome: Outcome
    settings: FaultSettings


@dataclass(frozen=True)
class CreateFailure:
    status: int
    after_commit: bool


class Faults:
    """The live fault settings of one simulator; ``sim.faults`` in Python."""

    def __init__(self, settings: FaultSettings, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._settings = settings
        self._initial = settings
        self._random = random.Random(seed)  # noqa: S311 - fault dice, not cryptography
        #: Requests held at an exact point until a test releases them.
        self.pauses = Pauses()

    def get(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def set(self, **changes: Any) -> FaultSettings:
        """Change some settings, keeping the others; the result is validated as a whole."""
        with self._lock:
            merged = {**self._settings.model_dump(), **changes}
            self._settings = FaultSettings.model_validate(merged)
            return self._settings

    def clear(self) -> None:
        """Back to no faults at all (not to the configured ones: a test wants a clean slate)."""
        with self._lock:
            self._settings = FaultSettings()
        self.pauses.clear()

    def restore(self) -> None:
        """Back to the faults the simulator was configured with, and no pauses."""
        with self._lock:
            self._settings = self._initial
        self.pauses.clear()

    def roll(self, service: str) -> Decision:
        with self._lock:
            settings = self._settings
            if service not in settings.services:
                return Decision(0.0, Outcome.HANDLE, settings)
            dice = self._random.random()
        bands = (
            (settings.reset_rate, Outcome.RESET),
            (settings.timeout_rate, Outcome.TIMEOUT),
            (settings.hold_rate, Outcome.HOLD),
            (settings.over_limit_rate, Outcome.OVER_LIMIT),
            (settings.error_rate, Outcome.ERROR),
        )
        edge = 0.0
        for rate, outcome in bands:
            edge += rate
            if dice < edge:
                return Decision(settings.latency, outcome, settings)
        return Decision(settings.latency, Outcome.HANDLE, settings)

    def take_create_failure(self) -> CreateFailure | None:
        with self._lock:
            settings = self._settings
            if settings.fail_next_creates <= 0:
                return None
            self._settings = settings.model_copy(
                update={"fail_next_creates": settings.fail_next_creates - 1}
            )
            return CreateFailure(settings.fail_create_status, settings.fail_create_after_commit)

    def take_build_error(self) -> str | None:
        with self._lock:
            settings = self._settings
            if settings.error_next_builds <= 0:
                return None
            self._settings = settings.model_copy(
                update={"error_next_builds": settings.error_next_builds - 1}
            )
            return settings.build_error_message

    def token_ttl(self, configured: float) -> float:
        ttl = self.get().token_ttl
        return configured if ttl is None else ttl
