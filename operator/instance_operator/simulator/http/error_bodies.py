"""Errors in each service's own shape, as captured from a real cloud.

- Nova: ``{"<faultName>": {"code": 404, "message": ...}}`` (``retryAfter`` on 413/429).
- Keystone, and the 401 of Nova and Neutron (keystonemiddleware):
  ``{"error": {"code", "title", "message"}}``.
- Glance (webob): an HTML page, or with ``Accept: application/json`` a flat object whose
  ``code`` is a string such as ``"404 Not Found"``. Its 401 too: keystonemiddleware only marks
  a bad token there (``delay_auth_decision``) and Glance's context middleware refuses it with
  webob's stock text, before Glance has stamped a request ID.
- Neutron: ``{"NeutronError": {"type", "message", "detail"}}``.
"""

from __future__ import annotations

import http
from collections.abc import Mapping

from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiResponse

NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}
_NOVA_ERROR_TYPE = "application/json; charset=UTF-8"
_WEBOB_UNAUTHORIZED = (
    "This server could not verify that you are authorized to access the document you requested. "
    "Either you supplied the wrong credentials (e.g., bad password), or your browser does not "
    "understand how to supply the credentials required."
)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def keystone_error(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> ApiResponse:
    body = {"error": {"code": status, "message": message, "title": _phrase(status)}}
    return ApiResponse(status=status, body=body, headers=dict(headers or {}))


def nova_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> ApiResponse:
    fault: dict[str, object] = {"code": status, "message": message}
    extra = dict(headers or {})
    if status in (413, 429) and "Retry-After" in extra:
        fault["retryAfter"] = extra["Retry-After"]
    body = {NOVA_FAULT_NAMES.get(status, "computeFault"): fault}
    return ApiResponse(status=status, body=body, headers=extra, content_type=_NOVA_ERROR_TYPE)


def webob_error(
    status: int, message: str, wants_json: bool, headers: Mapping[str, str] | None = None
) -> ApiResponse:
    title = f"{status} {_phrase(status)}"
    extra = dict(headers or {})
    if wants_json:
        body = {"message": f"{message}<br /><br />\n\n\n", "code": title, "title": _phrase(status)}
        return ApiResponse(status=status, body=body, headers=extra)
    page = (
        f"<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n"
        f"  {message}<br /><br />\n\n\n\n </body>\n</html>"
    )
    return ApiResponse(
        status=status, text=page, headers=extra, content_type="text/html; charset=UTF-8"
    )


def neutron_error(
    status: int, message: str, kind: str, headers: Mapping[str, str] | None = None
) -> ApiResponse:
    body = {
        "NeutronError": {
            "type": kind or f"HTTP{_phrase(status).replace(' ', '')}",
            "message": message,
            "detail": "",
        }
    }
    return ApiResponse(status=status, body=body, headers=dict(headers or {}))


def render(service: str, error: ApiError, accept: str, identity_url: str) -> ApiResponse:
    """``error`` as ``service`` would answer it; ``identity_url`` goes in 401 challenges."""
    if error.status == 401:
        challenge = (
            f'Keystone uri="{identity_url}/v3"'
            if service == "identity"
            else f'Keystone uri="{identity_url}"'
        )
        headers = {**error.headers, "WWW-Authenticate": challenge}
        if service == "image":
            return webob_error(401, _WEBOB_UNAUTHORIZED, "application/json" in accept, headers)
        return keystone_error(401, error.message, headers)
    if service == "identity":
        return keystone_error(error.status, error.message, error.headers)
    if service == "compute":
        return nova_error(error.status, error.message, error.headers)
    if service == "image":
        return webob_error(error.status, error.message, "application/json" in accept, error.headers)
    return neutron_error(error.status, error.message, error.kind, error.headers)


def has_request_id(service: str, status: int) -> bool:
    """Whether the answer carries ``x-openstack-request-id``: all do but Glance's 401, which
    its context middleware raises before the request has the context that holds the ID."""
    return not (service == "image" and status == 401)


def load_balancer_503() -> ApiResponse:
    """The page HAProxy serves when no backend is up: the usual real-world 503, not JSON."""
    page = (
        "<html><body><h1>503 Service Unavailable</h1>\n"
        "No server is available to handle this request.\n</body></html>\n"
    )
    return ApiResponse(status=503, text=page, content_type="text/html")
