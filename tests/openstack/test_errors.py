"""Every error body shape OpenStack uses gives the service's message and the right class."""

from __future__ import annotations

import json

import pytest

from instance_operator.openstack import errors


def _error(status: int, body: object, content_type: str = "application/json") -> errors.HttpError:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return errors.http_error(
        status_code=status,
        body=raw,
        content_type=content_type,
        method="GET",
        url="http://nova/v2.1/servers/x",
        request_id="req-9",
    )


@pytest.mark.parametrize(
    ("status", "body", "content_type", "cls", "message", "fault"),
    [
        (
            404,
            {"itemNotFound": {"code": 404, "message": "Instance x could not be found."}},
            "application/json",
            errors.NotFound,
            "Instance x could not be found.",
            "itemNotFound",
        ),
        (
            401,
            {"error": {"code": 401, "message": "Needs auth.", "title": "Unauthorized"}},
            "application/json",
            errors.Unauthorized,
            "Needs auth.",
            "error",
        ),
        (
            409,
            {"NeutronError": {"type": "InUse", "message": "Port in use.", "detail": ""}},
            "application/json",
            errors.Conflict,
            "Port in use.",
            "NeutronError",
        ),
        (
            404,
            {"code": "404 Not Found", "message": "No image<br /><br />\n", "title": "Not Found"},
            "application/json",
            errors.NotFound,
            "No image",
            None,
        ),
        (
            400,
            {"errors": [{"status": 400, "title": "Bad", "detail": "first"}, {"title": "second"}]},
            "application/json",
            errors.BadRequest,
            "first; second",
            None,
        ),
        (
            403,
            {"forbidden": "Policy does not allow it."},
            "application/json",
            errors.Forbidden,
            "Policy does not allow it.",
            "forbidden",
        ),
        (
            503,
            "<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service "
            "Unavailable</h1>No server is available.</body></html>",
            "text/html",
            errors.ServiceUnavailable,
            "No server is available.",
            None,
        ),
        (
            502,
            "Bad Gateway\n\n  upstream closed",
            "text/plain",
            errors.ServiceUnavailable,
            "Bad Gateway upstream closed",
            None,
        ),
        (
            429,
            {"overLimit": {"code": 429, "message": "Slow down."}},
            "application/json",
            errors.OverLimit,
            "Slow down.",
            "overLimit",
        ),
        (
            413,
            {"overLimit": {"code": 413, "message": "Quota."}},
            "application/json",
            errors.OverLimit,
            "Quota.",
            "overLimit",
        ),
        (
            500,
            {"computeFault": {"code": 500, "message": "Unexpected API Error."}},
            "application/json",
            errors.ServerError,
            "Unexpected API Error.",
            "computeFault",
        ),
        (418, "", "", errors.HttpError, "HTTP 418", None),
        (400, "{not json", "application/json", errors.BadRequest, "{not json", None),
    ],
)
def test_shapes(
    status: int, body: object, content_type: str, cls: type, message: str, fault: str | None
) -> None:
    error = _error(status, body, content_type)
    assert type(error) is cls
    assert error.message == message
    assert error.fault == fault
    assert error.status_code == status
    assert error.request_id == "req-9"
    assert str(error) == f"{status} from GET http://nova/v2.1/servers/x [req-9]: {message}"


def test_long_messages_are_cut() -> None:
    error = _error(500, "x" * 5000, "text/plain")
    assert len(error.message) == errors.MESSAGE_LIMIT
    assert error.message.endswith("...")


def test_hierarchy() -> None:
    assert issubclass(errors.AuthenticationFailed, errors.Unauthorized)
    assert issubclass(errors.ServiceNotFound, errors.EndpointNotFound)
    for cls in (errors.OutcomeUnknown, errors.ResponseLost, errors.ConnectionFailed):
        assert issubclass(cls, errors.TransportError)
    for cls in (errors.NoMatch, errors.MultipleMatches):
        assert issubclass(cls, errors.NoUniqueMatch)
    assert all(
        issubclass(c, errors.OpenStackError)
        for c in (errors.HttpError, errors.ConfigError, errors.TransportError, errors.NoUniqueMatch)
    )


def test_unreadable_bodies_are_invalid_response() -> None:
    from instance_operator.openstack.compute.servers import Server

    with pytest.raises(errors.InvalidResponse) as caught:
        Server.parse({"id": "s1", "name": "secret-looking-value", "locked": "maybe"}, "req-5")
    message = str(caught.value)
    assert "unexpected Server in the answer [req-5]" in message
    assert "status: Field required" in message
    assert "locked:" in message
    assert "maybe" not in message
