"""Who may log in, and the tokens they get.

Tokens are random strings kept in memory with their scope and expiry; validation is a dict
look-up. Expired tokens answer 401 exactly like unknown ones, which is what a client's
re-authentication logic has to cope with.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from instance_operator.simulator.config import (
    ApplicationCredentialSeed,
    ProjectSeed,
    SimulatorConfig,
    UserSeed,
)
from instance_operator.simulator.errors import ApiError

UNAUTHORIZED = "The request you have made requires authentication."


@dataclass(frozen=True)
class Token:
    id: str
    user: UserSeed
    project: ProjectSeed | None
    roles: tuple[str, ...]
    methods: tuple[str, ...]
    issued_at: float
    expires_at: float
    audit_id: str
    app_credential: ApplicationCredentialSeed | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def project_id(self) -> str:
        """The scoped project; service routes only ever see project-scoped tokens."""
        assert self.project is not None
        return self.project.id


def _unauthorized() -> ApiError:
    return ApiError(401, UNAUTHORIZED)


def _required(container: Any, key: str, where: str) -> Any:
    if not isinstance(container, dict) or key not in container:
        raise ApiError(400, f"Invalid input for field '{where}': '{key}' is a required property")
    return container[key]


class Identity:
    def __init__(self, config: SimulatorConfig) -> None:
        self._config = config
        self._tokens: dict[str, Token] = {}

    def clear(self) -> None:
        self._tokens.clear()

    def validate(self, token_id: str | None, now: float) -> Token | None:
        token = self._tokens.get(token_id or "")
        if token is None:
            return None
        if token.expires_at <= now:
            del self._tokens[token.id]
            return None
        return token

    def authenticate(self, body: Any, now: float, ttl: float) -> Token:
        """Check a ``POST /v3/auth/tokens`` body and issue a token, or raise 400/401."""
        identity = _required(_required(body, "auth", "auth"), "identity", "auth")
        methods = _required(identity, "methods", "identity")
        if not isinstance(methods, list) or not methods:
            raise ApiError(400, "Invalid input for field 'identity/methods': at least one method")
        method = methods[0]
        app_credential = None
        if method == "password":
            user = self._password_user(_required(identity, "password", "identity"))
            project = self._scope(body["auth"].get("scope"), user)
        elif method == "application_credential":
            if body["auth"].get("scope") is not None:
                raise _unauthorized()
            app_credential, user = self._app_credential(
                _required(identity, "application_credential", "identity")
            )
            project = self._config.project(user.project)
        elif method == "token":
            previous = self.validate(
                _required(_required(identity, "token", "identity"), "id", "token"), now
            )
            if previous is None:
                raise ApiError(404, f"Could not find token: {identity['token']['id']}.")
            user = previous.user
            project = self._scope(body["auth"].get("scope"), user)
        else:
            raise _unauthorized()
        token = Token(
            id="gAAAAA" + secrets.token_urlsafe(120),
            user=user,
            project=project,
            roles=tuple(user.roles) if project is not None else (),
            methods=(method,),
            issued_at=now,
            expires_at=now + ttl,
            audit_id=base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("="),
            app_credential=app_credential,
        )
        self._tokens[token.id] = token
        return token

    def _domain_matches(self, ref: Any, domain_id: str) -> bool:
        if not isinstance(ref, dict):
            return False
        domain = self._config.domain
        if "id" in ref:
            return bool(ref["id"] == domain_id == domain.id)
        return bool(ref.get("name") == domain.name and domain_id == domain.id)

    def _find_user(self, ref: Any) -> UserSeed | None:
        if not isinstance(ref, dict):
            return None
        for user in self._config.users:
            if "id" in ref and ref["id"] == user.id:
                return user
            if ref.get("name") == user.name and self._domain_matches(
                ref.get("domain"), user.domain_id
            ):
                return user
        return None

    def _password_user(self, password: Any) -> UserSeed:
        ref = _required(password, "user", "password")
        user = self._find_user(ref)
        if user is None or ref.get("password") != user.password:
            raise _unauthorized()
        return user

    def _app_credential(self, ref: Any) -> tuple[ApplicationCredentialSeed, UserSeed]:
        secret = _required(ref, "secret", "application_credential")
        for credential in self._config.application_credentials:
            owner = self._config.user(credential.user)
            if "id" in ref:
                matches = ref["id"] == credential.id
            else:
                matches = (
                    ref.get("name") == credential.name and self._find_user(ref.get("user")) is owner
                )
            if matches:
                if secret != credential.secret:
                    raise _unauthorized()
                return credential, owner
        raise _unauthorized()

    def _scope(self, scope: Any, user: UserSeed) -> ProjectSeed | None:
        if scope is None:
            return None
        ref = scope.get("project") if isinstance(scope, dict) else None
        if not isinstance(ref, dict):
            raise _unauthorized()
        home = self._config.project(user.project)
        if "id" in ref:
            matches = ref["id"] == home.id
        else:
            matches = ref.get("name") == home.name and self._domain_matches(
                ref.get("domain"), home.domain_id
            )
        if not matches:
            raise _unauthorized()
        return home
