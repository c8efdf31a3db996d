"""Kubernetes ``kind: Status`` failures, raised anywhere and rendered once by the HTTP layer.

Clients branch on ``reason`` and ``code`` (kopf maps 404/409/422 to its own exception classes,
the ``kubernetes`` client exposes ``status``), so each factory reproduces the API server's
pairing of code, reason and message wording.
"""

from __future__ import annotations

from typing import Any


class StatusError(Exception):
    """A request failure that becomes a ``kind: Status`` response body."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        continue_token: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}
        #: A Status's list metadata: where a list whose continue token expired may go on.
        self.continue_token = continue_token

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {"continue": self.continue_token} if self.continue_token else {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def qualified(plural: str, group: str) -> str:
    """``instances.instance-operator.dev``; core resources stay bare (``secrets``)."""
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> StatusError:
    details = {"name": name, "group": group, "kind": plural}
    return StatusError(404, "NotFound", f'{qualified(plural, group)} "{name}" not found', details)


def no_such_path() -> StatusError:
    return StatusError(404, "NotFound", "the server could not find the requested resource")


def already_exists(plural: str, group: str, name: str) -> StatusError:
    details = {"name": name, "group": group, "kind": plural}
    message = f'{qualified(plural, group)} "{name}" already exists'
    return StatusError(409, "AlreadyExists", message, details)


def conflict(plural: str, group: str, name: str, why: str) -> StatusError:
    details = {"name": name, "group": group, "kind": plural}
    message = f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": {why}'
    return StatusError(409, "Conflict", message, details)


def stale(plural: str, group: str, name: str) -> StatusError:
    why = "the object has been modified; please apply your changes to the latest version and try again"
    return conflict(plural, group, name, why)


def invalid(kind: str, group: str, name: str, causes: list[dict[str, str]]) -> StatusError:
    """422 with one cause per field, worded like the API server's field errors."""
    texts = [
        f"{cause['field']}: {cause['message']}" if cause["field"] else cause["message"]
        for cause in causes
    ]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    message = f'{qualified(kind, group)} "{name}" is invalid: {joined}'
    details = {"name": name, "group": group, "kind": kind, "causes": causes}
    return StatusError(422, "Invalid", message, details)


def field_invalid(kind: str, group: str, name: str, field: str, message: str) -> StatusError:
    return invalid(
        kind, group, name, [{"reason": "FieldValueInvalid", "message": message, "field": field}]
    )


def unprocessable(message: str) -> StatusError:
    """A patch that cannot be applied (failed JSON-patch ``test``, missing path): kopf expects 422."""
    return StatusError(422, "Invalid", message)


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def expired(message: str) -> StatusError:
    return StatusError(410, "Expired", message)


def continue_expired(token: str) -> StatusError:
    """A continue token older than the history, as etcd's compaction answers it: with a token
    that goes on from the current state."""
    message = (
        "The provided continue parameter is too old to display a consistent list result. You can"
        " start a new list without the continue parameter, or use the continue token in this"
        " response to retrieve the remainder of the results. Continuing with the provided token"
        " results in an inconsistent list - objects that were created, modified, or deleted"
        " between the time the first chunk was returned and now may show up in the list."
    )
    return StatusError(410, "Expired", message, continue_token=token)


def method_not_allowed(message: str) -> StatusError:
    return StatusError(405, "MethodNotAllowed", message)


def unsupported_media_type(content_type: str) -> StatusError:
    return StatusError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format: {content_type}",
    )


def forbidden(message: str) -> StatusError:
    return StatusError(403, "Forbidden", message)


def unauthorized() -> StatusError:
    return StatusError(401, "Unauthorized", "Unauthorized")


def internal_error(message: str) -> StatusError:
    details = {"causes": [{"message": message}]}
    return StatusError(500, "InternalError", f"Internal error occurred: {message}", details)


def timeout() -> StatusError:
    message = "Timeout: request did not complete within the allowed duration"
    return StatusError(504, "Timeout", message, {"retryAfterSeconds": 1})
