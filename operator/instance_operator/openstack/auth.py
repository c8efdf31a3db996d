"""Keystone v3 authentication: the request for each auth type, and the token it returns.

The token itself comes in the ``X-Subject-Token`` header and is kept as a ``SecretStr``. Its
expiry is tracked on the local monotonic clock from the lifetime Keystone states (``expires_at``
minus ``issued_at``), so a client whose wall clock is off still re-authenticates in time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr

from instance_operator.openstack.catalog import Catalog, CatalogService
from instance_operator.openstack.config import (
    ApplicationCredentialAuth,
    AuthConfig,
    PasswordAuth,
    TokenAuth,
)
from instance_operator.openstack.errors import AuthenticationFailed, ConfigError, InvalidResponse
from instance_operator.openstack.resource import Resource, Timestamp
from instance_operator.openstack.transport import Transport, error_for, request_id


class Named(Resource):
    id: str | None = None
    name: str | None = None


class Project(Named):
    domain: Named | None = None


class TokenBody(Resource):
    """The ``token`` object of Keystone's answer."""

    expires_at: Timestamp
    issued_at: Timestamp | None = None
    methods: list[str] = Field(default_factory=list)
    user: Project | None = None
    #: The scope; absent for unscoped tokens, which this client never asks for.
    project: Project | None = None
    catalog: list[CatalogService] = Field(default_factory=list)


@dataclass(frozen=True)
class Token:
    value: SecretStr
    body: TokenBody
    catalog: Catalog
    #: ``time.monotonic()`` value at which the token expires.
    deadline: float
    #: Seconds the token was issued for.
    lifetime: float

    @property
    def project_id(self) -> str | None:
        return self.body.project.id if self.body.project else None

    def seconds_left(self, now: float | None = None) -> float:
        return self.deadline - (time.monotonic() if now is None else now)

    def due_for_refresh(self, margin: float) -> bool:
        """Whether to re-authenticate: ``margin`` seconds before expiry, or half-way through
        for tokens that live shorter than twice the margin (else every call would refresh)."""
        return self.seconds_left() <= min(margin, self.lifetime / 2)


def identity_v3_url(auth_url: str) -> str:
    """``auth_url`` as a Keystone v3 URL: ``http://k:5000``, ``.../v3`` and ``.../v3/`` all work."""
    parts = urlsplit(auth_url)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last.startswith("v2"):
        raise ConfigError(f"auth_url {auth_url} is Keystone v2, which this client does not speak")
    if last != "v3":
        path = f"{path}/v3"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def request_body(auth: AuthConfig) -> dict[str, Any]:
    """The ``POST /v3/auth/tokens`` body for a configured credential."""
    identity: dict[str, Any]
    scope: dict[str, Any] | None = None
    if isinstance(auth, PasswordAuth):
        user = _ref(auth.user_id, auth.username, auth.user_domain_id, auth.user_domain_name)
        user["password"] = auth.password.get_secret_value()
        identity = {"methods": ["password"], "password": {"user": user}}
        scope = _project(auth)
    elif isinstance(auth, ApplicationCredentialAuth):
        credential = _ref(auth.application_credential_id, auth.application_credential_name)
        credential["secret"] = auth.application_credential_secret.get_secret_value()
        if not auth.application_credential_id:
            credential["user"] = _ref(
                auth.user_id, auth.username, auth.user_domain_id, auth.user_domain_name
            )
        identity = {"methods": ["application_credential"], "application_credential": credential}
    else:
        identity = {"methods": ["token"], "token": {"id": auth.token.get_secret_value()}}
        scope = _project(auth)
    body: dict[str, Any] = {"auth": {"identity": identity}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return body


def authenticate(transport: Transport, auth: AuthConfig) -> Token:
    """Ask Keystone for a project-scoped token."""
    url = identity_v3_url(auth.auth_url) + "/auth/tokens"
    sent = time.monotonic()
    response = transport.request(
        service="identity",
        method="POST",
        url=url,
        template="auth/tokens",
        json=request_body(auth),
        idempotent=True,  # issuing a token changes nothing, so a lost answer may be repeated
    )
    if response.status_code == 401:
        error = error_for(response, "POST", url)
        raise AuthenticationFailed(
            status_code=401,
            message=f"Keystone rejected the credentials: {error.message}",
            method="POST",
            url=url,
            request_id=error.request_id,
        )
    if response.status_code not in (200, 201):
        raise error_for(response, "POST", url)
    subject = response.headers.get("X-Subject-Token")
    if not subject:
        raise InvalidResponse(f"Keystone's answer from {url} has no X-Subject-Token header")
    try:
        document = response.json()
    except ValueError:
        raise InvalidResponse(f"Keystone's answer from {url} is not JSON") from None
    body = TokenBody.parse(document.get("token"), request_id(response.headers))
    lifetime = (body.expires_at - body.issued_at).total_seconds() if body.issued_at else None
    if lifetime is None:
        lifetime = body.expires_at.timestamp() - time.time()
    return Token(
        value=SecretStr(subject),
        body=body,
        catalog=Catalog(services=body.catalog),
        deadline=sent + lifetime,
        lifetime=lifetime,
    )


def _ref(
    ident: str | None,
    name: str | None,
    domain_id: str | None = None,
    domain_name: str | None = None,
) -> dict[str, Any]:
    """``{"id": ...}`` or ``{"name": ..., "domain": {...}}``, as Keystone takes users/projects."""
    if ident:
        return {"id": ident}
    ref: dict[str, Any] = {"name": name}
    if domain_id or domain_name:
        ref["domain"] = {"id": domain_id} if domain_id else {"name": domain_name}
    return ref


def _project(auth: PasswordAuth | TokenAuth) -> dict[str, Any]:
    return {
        "project": _ref(
            auth.project_id, auth.project_name, auth.project_domain_id, auth.project_domain_name
        )
    }
