"""Sort every failure into "the user must fix something" or "try again soon", with a reason.

The split decides how the Instance shows it (Degraded or Progressing), how soon it is retried
(minutes, or a jittered backoff of seconds) and which stable reason names it. The messages say what
to fix; they are built from the service's own message and the spec, never from credentials.
"""

from __future__ import annotations

from instance_operator.controller.status.conditions import Problem
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack import errors as os_errors


class UserError(Exception):
    """Something only the user can fix: a name that matches nothing, a missing Secret, a quota."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def problem(self) -> Problem:
        return Problem(self.reason, self.message, transient=False)


_NOT_FOUND_REASONS = {
    "flavor": Reason.FLAVOR_NOT_FOUND,
    "image": Reason.IMAGE_NOT_FOUND,
    "network": Reason.NETWORK_NOT_FOUND,
    "port": Reason.PORT_NOT_FOUND,
    "keypair": Reason.KEYPAIR_NOT_FOUND,
    "security group": Reason.SECURITY_GROUP_NOT_FOUND,
    "server group": Reason.SERVER_GROUP_NOT_FOUND,
}


def not_found(kind: str, message: str) -> UserError:
    return UserError(_NOT_FOUND_REASONS[kind], message)


def _is_quota(exc: os_errors.HttpError) -> bool:
    return "quota" in exc.message.lower()


def classify(exc: Exception, *, cloud: str) -> Problem:
    """The problem an exception from the client (or the controller) means for the Instance."""
    if isinstance(exc, UserError):
        return exc.problem()
    if isinstance(exc, os_errors.ConfigError):
        return Problem(Reason.INVALID_CLOUDS_YAML, f"clouds.yaml: {exc}", transient=False)
    if isinstance(exc, os_errors.Unauthorized):
        return Problem(
            Reason.AUTHENTICATION_FAILED,
            f"OpenStack refused the credentials of cloud {cloud!r}: {exc.message} Fix them in the"
            " Secret; the operator retries as soon as the Secret changes.",
            transient=False,
        )
    if isinstance(exc, os_errors.EndpointNotFound):
        return Problem(Reason.ENDPOINT_NOT_FOUND, f"cloud {cloud!r}: {exc}", transient=False)
    if isinstance(exc, os_errors.MicroversionUnsupported | os_errors.NotAcceptable):
        return Problem(
            Reason.REQUEST_REJECTED, f"cloud {cloud!r} is too old: {exc}", transient=False
        )
    if isinstance(exc, os_errors.Forbidden | os_errors.OverLimit) and _is_quota(exc):
        return Problem(
            Reason.QUOTA_EXCEEDED,
            f"{exc.message} Free capacity or raise the project's quota; the operator retries.",
            transient=False,
        )
    if isinstance(exc, os_errors.Forbidden):
        return Problem(
            Reason.PERMISSION_DENIED,
            f"OpenStack denied the request: {exc.message}",
            transient=False,
        )
    if isinstance(exc, os_errors.BadRequest):
        return Problem(
            Reason.REQUEST_REJECTED,
            f"OpenStack rejected the request: {exc.message}",
            transient=False,
        )
    if isinstance(exc, os_errors.NoUniqueMatch):
        return Problem(Reason.AMBIGUOUS_NAME, str(exc), transient=False)
    return Problem(Reason.TRANSIENT_ERROR, _transient_message(exc), transient=True)


def _transient_message(exc: Exception) -> str:
    if isinstance(exc, os_errors.HttpError):
        return f"OpenStack answered {exc.status_code}: {exc.message}"
    if isinstance(exc, os_errors.TransportError):
        return f"OpenStack did not answer: {exc}"
    return f"{type(exc).__name__}: {exc}"


def retry_after(exc: Exception) -> float | None:
    """A delay the service asked for (429/413/503 with ``Retry-After``)."""
    if isinstance(exc, os_errors.HttpError):
        return exc.retry_after
    return None
