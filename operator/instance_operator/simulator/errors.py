"""The one exception handlers raise; the HTTP layer renders it in the service's own shape.

A handler only knows "404, Instance X could not be found."; whether that becomes Nova's
``itemNotFound``, Keystone's ``error``, Glance's HTML page or a ``NeutronError`` is decided
by which service answered.
"""

from __future__ import annotations

from collections.abc import Mapping


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        #: Neutron's error ``type`` (``NetworkNotFound``); unused by the other services.
        self.kind = kind
        self.headers = dict(headers or {})


def nova_invalid_state(action: str, server_id: str, attr: str, state: str | None) -> ApiError:
    """Nova's 409 for an action the server's vm_state or task_state does not allow."""
    return ApiError(409, f"Cannot '{action}' instance {server_id} while it is in {attr} {state}")


def nova_validation(path: str, value: object, problem: str) -> ApiError:
    """Nova's 400 for a body that fails its JSON schema, worded as Nova words it."""
    return ApiError(400, f"Invalid input for field/attribute {path}. Value: {value}. {problem}")
