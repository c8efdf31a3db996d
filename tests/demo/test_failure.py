"""What ``make demo`` prints when it stops on an error: one line, never the client's dump."""

from __future__ import annotations

import json
from types import SimpleNamespace

from kubernetes.client.exceptions import ApiException

from instance_operator.demo.failure import describe


def _api_error(status: int, reason: str, body: object) -> ApiException:
    answer = SimpleNamespace(
        status=status,
        reason=reason,
        data=json.dumps(body).encode() if not isinstance(body, bytes) else body,
        headers={"Audit-Id": "0b1c", "Content-Type": "application/json"},
    )
    return ApiException(http_resp=answer)


def test_an_api_error_is_one_line_with_status_reason_and_message() -> None:
    error = _api_error(
        403,
        "Forbidden",
        {
            "kind": "Status",
            "status": "Failure",
            "reason": "Forbidden",
            "code": 403,
            "message": 'customresourcedefinitions.apiextensions.k8s.io is forbidden: User "dev"'
            ' cannot create resource "customresourcedefinitions"',
        },
    )
    assert "HTTP response headers" in str(error)  # what used to be printed
    assert describe(error) == (
        "the Kubernetes API answered 403 Forbidden: customresourcedefinitions.apiextensions.k8s.io"
        ' is forbidden: User "dev" cannot create resource "customresourcedefinitions"'
    )


def test_an_api_error_without_a_status_body_still_names_the_status() -> None:
    assert describe(_api_error(502, "Bad Gateway", b"<html>bad gateway</html>")) == (
        "the Kubernetes API answered 502 Bad Gateway"
    )


def test_other_errors_keep_their_type_on_one_line() -> None:
    assert describe(OSError("no\nroute")) == "OSError: no route"
    assert describe(TimeoutError()) == "TimeoutError"
