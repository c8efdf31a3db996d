"""The client's exception hierarchy, and turning an error answer into one of its classes.

Callers (the reconciler above all) decide by type: ``NotFound`` means gone, ``Conflict`` means
"not in this state, try later", ``OutcomeUnknown`` means "a call that changes things may or may
not have happened: look before you repeat it". Each HTTP error carries the status, the service's
own message (OpenStack services answer in several body shapes, see ``service_message``), the
request ID and the method and URL, and never a secret: messages are built only from the answer's
body and the request line, never from request headers or bodies.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

#: The longest service message an error keeps; OpenStack sometimes answers with whole pages.
MESSAGE_LIMIT = 1000


class OpenStackError(Exception):
    """Every error this client raises."""


class ConfigError(OpenStackError):
    """clouds.yaml or ``OS_*`` settings are unusable; the message names the field."""


class EndpointNotFound(OpenStackError):
    """The catalog has the service, but no endpoint for the wanted region and interface."""

    def __init__(self, message: str, *, service_type: str, available: Sequence[str]) -> None:
        super().__init__(message)
        self.service_type = service_type
        #: What the catalog does offer (``"region/interface"`` pairs, or service types).
        self.available = list(available)


class ServiceNotFound(EndpointNotFound):
    """The catalog has no service of the wanted type (and name)."""


class MicroversionUnsupported(OpenStackError):
    """The cloud cannot speak a microversion as new as this client needs."""


class TransportError(OpenStackError):
    """No HTTP answer: connection refused or reset, TLS failure, timeout."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class ConnectionFailed(TransportError):
    """The request never reached the service (refused, unresolvable, TLS), so nothing happened."""


class ResponseLost(TransportError):
    """An idempotent request was sent but its answer never came; repeating it is safe."""


class OutcomeUnknown(TransportError):
    """A request that changes state was sent, but no answer came back.

    The service may or may not have acted on it. Never repeat such a call blindly: look for its
    effect first (a server create is found again by its tag, an action by ``os-instance-actions``).
    """


class InvalidResponse(OpenStackError):
    """An answer this client cannot read: not JSON, or not the shape the models expect."""


class NoUniqueMatch(OpenStackError):
    """A lookup by name did not find exactly one resource."""

    def __init__(self, message: str, *, kind: str, name: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class NoMatch(NoUniqueMatch):
    """No resource has that name."""


class MultipleMatches(NoUniqueMatch):
    """Several resources have that name; ``ids`` lists them."""

    def __init__(self, message: str, *, kind: str, name: str, ids: Sequence[str]) -> None:
        super().__init__(message, kind=kind, name=name)
        self.ids = list(ids)


class HttpError(OpenStackError):
    """The service answered with an error status."""

    status_codes: ClassVar[tuple[int, ...]] = ()

    def __init__(
        self,
        *,
        status_code: int,
        message: str,
        method: str,
        url: str,
        request_id: str | None = None,
        fault: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        #: The service's own message, from whatever body shape it used.
        self.message = message
        self.method = method
        self.url = url
        self.request_id = request_id
        #: The body's error key when it has one (``itemNotFound``, ``conflictingRequest``...).
        self.fault = fault
        #: Seconds from ``Retry-After``, for 413/429/503 answers that carry one.
        self.retry_after = retry_after
        where = f"{method} {url}"
        rid = f" [{request_id}]" if request_id else ""
        super().__init__(f"{status_code} from {where}{rid}: {message}")


class BadRequest(HttpError):
    status_codes = (400,)


class Unauthorized(HttpError):
    status_codes = (401,)


class AuthenticationFailed(Unauthorized):
    """Keystone refused the credentials themselves (not an expired token)."""


class Forbidden(HttpError):
    status_codes = (403,)


class NotFound(HttpError):
    status_codes = (404,)


class NotAcceptable(HttpError):
    """Nova answers 406 when asked for a microversion it does not have."""

    status_codes = (406,)


class Conflict(HttpError):
    status_codes = (409,)


class OverLimit(HttpError):
    """Rate limit (429) or an over-limit answer (413); see ``retry_after``."""

    status_codes = (413, 429)


class ServerError(HttpError):
    status_codes = (500, 501)


class ServiceUnavailable(HttpError):
    """The service or a proxy in front of it is down or overloaded (502/503/504)."""

    status_codes = (502, 503, 504)


_BY_STATUS: dict[int, type[HttpError]] = {
    code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        NotAcceptable,
        Conflict,
        OverLimit,
        ServerError,
        ServiceUnavailable,
    )
    for code in cls.status_codes
}


def http_error(
    *,
    status_code: int,
    body: bytes,
    content_type: str,
    method: str,
    url: str,
    request_id: str | None,
    retry_after: float | None = None,
) -> HttpError:
    """The exception for an error answer, with the service's message from its body."""
    fault, message = service_message(body, content_type)
    cls = _BY_STATUS.get(status_code, HttpError)
    return cls(
        status_code=status_code,
        message=message or f"HTTP {status_code}",
        method=method,
        url=url,
        request_id=request_id,
        fault=fault,
        retry_after=retry_after,
    )


def service_message(body: bytes, content_type: str) -> tuple[str | None, str]:
    """``(fault key, message)`` from an error body in any shape OpenStack uses.

    Shapes: Nova ``{"itemNotFound": {"code", "message"}}`` (any single key), Keystone and
    keystonemiddleware ``{"error": {"code", "message", "title"}}``, Neutron ``{"NeutronError":
    {"type", "message", "detail"}}``, Glance with ``Accept: application/json`` ``{"code": "404 Not
    Found", "message", "title"}`` (``code`` a string), Placement ``{"errors": [{"detail"}]}``, and
    HTML or plain text (Glance without the Accept header, proxies).
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return None, ""
    if "json" in content_type or text[:1] in "{[":
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if parsed is not None:
            fault, message = _json_message(parsed)
            if message:
                return fault, _clean(message)
    if "html" in content_type or text.lower().startswith(("<html", "<!doctype")):
        return None, _clean(_html_text(text))
    return None, _clean(text)


def _json_message(parsed: Any) -> tuple[str | None, str]:
    if not isinstance(parsed, Mapping):
        return None, ""
    if isinstance(parsed.get("message"), str):
        return None, parsed["message"]
    errors = parsed.get("errors")
    if isinstance(errors, list) and errors:
        parts = [
            str(e.get("detail") or e.get("title") or "") for e in errors if isinstance(e, Mapping)
        ]
        return None, "; ".join(p for p in parts if p)
    if len(parsed) == 1:
        ((key, value),) = parsed.items()
        if isinstance(value, Mapping):
            message = value.get("message") or value.get("detail") or value.get("title")
            return str(key), str(message or "")
        if isinstance(value, str):
            return str(key), value
    return None, ""


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(r"<(title|h1)>.*?</\1>", re.IGNORECASE | re.DOTALL)


def _html_text(text: str) -> str:
    """The readable part of an HTML error page: the body without its repeated title."""
    return _TITLE.sub(" ", text)


def _clean(message: str) -> str:
    """Strip markup (Glance puts ``<br />`` even into JSON messages) and squeeze whitespace."""
    flat = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", message))).strip()
    if len(flat) > MESSAGE_LIMIT:
        return flat[: MESSAGE_LIMIT - 3] + "..."
    return flat
