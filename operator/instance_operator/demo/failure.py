"""One line for whatever stopped the demo.

The Kubernetes client's ``ApiException`` prints as a dump of status, reason, every response header
and the raw body over many lines; a user of ``make demo`` against a real cluster needs the status,
the reason and the API server's own message, as kubectl shows them.
"""

from __future__ import annotations

import json

from kubernetes.client.exceptions import ApiException


def describe(error: BaseException) -> str:
    if isinstance(error, ApiException):
        return _api_error(error)
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _api_error(error: ApiException) -> str:
    head = f"the Kubernetes API answered {error.status} {error.reason or ''}".rstrip()
    try:
        body = json.loads(error.body) if error.body else {}
    except (TypeError, ValueError):
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    if not message:
        return head
    return f"{head}: {' '.join(str(message).split())}"
