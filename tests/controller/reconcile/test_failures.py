"""Every failure sorted into "the user must fix it" (Degraded) or "try again soon" (Progressing)."""

from __future__ import annotations

import pytest

from instance_operator.controller.reconcile.failures import (
    UserError,
    classify,
    not_found,
    retry_after,
)
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack import errors as os_errors

URL = "https://nova.example.com/v2.1/servers"


def http(cls: type[os_errors.HttpError], code: int, message: str, **extra: object) -> Exception:
    return cls(status_code=code, message=message, method="POST", url=URL, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "reason", "says"),
    [
        (not_found("flavor", "Flavor 'm1.huge' does not exist."), Reason.FLAVOR_NOT_FOUND, "huge"),
        (
            UserError(Reason.SECRET_NOT_FOUND, "Secret 'creds' not found."),
            Reason.SECRET_NOT_FOUND,
            "creds",
        ),
        (os_errors.ConfigError("auth.auth_url is missing"), Reason.INVALID_CLOUDS_YAML, "auth_url"),
        (
            http(os_errors.AuthenticationFailed, 401, "The request you have made requires auth."),
            Reason.AUTHENTICATION_FAILED,
            "Fix them in the Secret",
        ),
        (
            os_errors.EndpointNotFound("no compute", service_type="compute", available=[]),
            Reason.ENDPOINT_NOT_FOUND,
            "lab",
        ),
        (
            http(os_errors.Forbidden, 403, "Quota exceeded for instances: Requested 1, but"),
            Reason.QUOTA_EXCEEDED,
            "raise the project's quota",
        ),
        (
            http(os_errors.OverLimit, 413, "Quota exceeded for cores"),
            Reason.QUOTA_EXCEEDED,
            "cores",
        ),
        (
            http(os_errors.Forbidden, 403, "Policy doesn't allow os_compute_api:servers:create"),
            Reason.PERMISSION_DENIED,
            "Policy",
        ),
        (
            http(os_errors.BadRequest, 400, "Invalid key_name provided."),
            Reason.REQUEST_REJECTED,
            "key_name",
        ),
        (
            os_errors.MultipleMatches("2 networks named 'lan'", kind="network", name="lan", ids=[]),
            Reason.AMBIGUOUS_NAME,
            "lan",
        ),
        (
            http(os_errors.NotAcceptable, 406, "Version 2.52 is not supported"),
            Reason.REQUEST_REJECTED,
            "too old",
        ),
    ],
)
def test_user_errors_are_degraded_with_a_specific_reason(
    exc: Exception, reason: Reason, says: str
) -> None:
    problem = classify(exc, cloud="lab")
    assert problem.reason is reason
    assert not problem.transient
    assert says in problem.message


@pytest.mark.parametrize(
    "exc",
    [
        http(os_errors.ServiceUnavailable, 503, "Service Unavailable"),
        http(os_errors.ServerError, 500, "Unexpected API Error."),
        http(os_errors.OverLimit, 429, "Rate limit exceeded", retry_after=7.0),
        http(os_errors.Conflict, 409, "Cannot 'reboot' instance while it is in task_state"),
        os_errors.ConnectionFailed("connection refused", method="GET", url=URL),
        os_errors.OutcomeUnknown("read timed out", method="POST", url=URL),
        RuntimeError("something unexpected"),
    ],
)
def test_everything_else_is_transient_and_retried(exc: Exception) -> None:
    problem = classify(exc, cloud="lab")
    assert problem.reason is Reason.TRANSIENT_ERROR
    assert problem.transient
    assert problem.message


def test_the_delay_a_service_asked_for_is_kept() -> None:
    assert retry_after(http(os_errors.OverLimit, 429, "slow down", retry_after=7.0)) == 7.0
    assert retry_after(http(os_errors.ServiceUnavailable, 503, "down")) is None
    assert retry_after(RuntimeError("x")) is None
