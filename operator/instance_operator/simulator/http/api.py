"""The plain request and response objects every handler works with.

Handlers are synchronous functions of an ``ApiRequest``: the pipeline does the asynchronous
parts (reading the body, injected latency) first, then runs the handler under the cloud's
lock. That keeps state changes atomic without any ``await`` inside a critical section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiMapping

from instance_operator.simulator.identity.tokens import Token

Version = tuple[int, int]


@dataclass
class ApiRequest:
    params: Mapping[str, str]
    query: MultiMapping[str]
    body: Any
    #: ``http://127.0.0.1:PORT``, so links point wherever the client reached us.
    origin: str
    request_id: str
    now: float
    token: Token | None = None
    #: The negotiated compute microversion (compute requests only).
    version: Version = (2, 1)

    @property
    def auth(self) -> Token:
        """The caller's token; only called on routes the pipeline authenticated."""
        assert self.token is not None
        return self.token

    def at_least(self, major: int, minor: int) -> bool:
        return self.version >= (major, minor)


@dataclass
class ApiResponse:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: A non-JSON body (Glance's HTML errors); ``body`` is ignored when set.
    text: str | None = None
    content_type: str = "application/json"


Handler = Callable[[ApiRequest], ApiResponse]


def ok(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status=status, body=body, headers=dict(headers or {}))


def empty(status: int, headers: Mapping[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status=status, body=None, headers=dict(headers or {}))
