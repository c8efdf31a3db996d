"""The provider: one set of credentials, its token, and the transport every service shares.

Like gophercloud's ProviderClient, this is the one place that knows about authentication. The
reconciler calls it from many worker threads at once, so the token lives in an immutable state
object swapped under a lock: readers never lock, and when the token is about to expire or a
service answers 401, the first thread re-authenticates while the others wait and then use its
result (success or failure) instead of asking Keystone again.

The refresh starts ``reauth_margin`` seconds before expiry so that a slow or briefly failing
Keystone costs nothing: while it runs, other callers keep using the current token, and when it
fails the token is kept until it really expires (Keystone is asked again after
``auth_failure_hold``). Only a token that has expired or that a service rejected is given up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from instance_operator.openstack.auth import Token, authenticate
from instance_operator.openstack.config import CloudConfig
from instance_operator.openstack.errors import OpenStackError
from instance_operator.openstack.metrics import MetricsHook
from instance_operator.openstack.settings import Settings
from instance_operator.openstack.transport import Params, Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _AuthState:
    #: The token to send; after a failed early refresh, the old one while it lasts.
    token: Token | None = None
    #: The last authentication's failure, handed to every caller for ``auth_failure_hold``
    #: (unless ``token`` is still valid, which is then used instead).
    error: OpenStackError | None = None
    failed_at: float = 0.0

    def live_token(self) -> Token | None:
        """``token`` if it has not expired yet."""
        return self.token if self.token is not None and self.token.seconds_left() > 0 else None


class Provider:
    """Thread-safe; share one per set of credentials (see ``cloud.CloudPool``)."""

    def __init__(
        self,
        config: CloudConfig,
        settings: Settings | None = None,
        metrics: MetricsHook | None = None,
    ) -> None:
        self.config = config
        self.settings = settings or Settings()
        self.transport = Transport(config.tls, self.settings, metrics)
        self._lock = threading.Lock()
        self._state = _AuthState()

    def close(self) -> None:
        self.transport.close()

    def token(self) -> Token:
        """A valid token, authenticating if needed (or refreshing it ``reauth_margin`` early)."""
        token = self._usable_state().token
        assert token is not None
        return token

    @property
    def project_id(self) -> str | None:
        return self.token().project_id

    def endpoint(self, service_type: str, *, name: str | None = None) -> str:
        """The catalog URL of a service for this cloud's region and interface."""
        token = self.token()
        return token.catalog.url_for(
            service_type,
            interface=self.config.interface.value,
            region=self.config.region_name,
            name=name,
            project_id=token.project_id,
        )

    def request(
        self,
        *,
        service: str,
        method: str,
        url: str,
        template: str,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Params | None = None,
    ) -> requests.Response:
        """An authenticated request; on 401 it re-authenticates once and repeats the request.

        Repeating after a 401 is safe even for a server create: the 401 comes from the auth
        middleware in front of the API, before anything was done.
        """
        state = self._usable_state()
        call = {
            "service": service,
            "method": method,
            "url": url,
            "template": template,
            "json": json,
            "params": params,
        }
        response = self._send(state, headers, call)
        if response.status_code == 401:
            state = self._reauthenticate(state, rejected=True)
            response = self._send(state, headers, call)
        return response

    def _send(
        self, state: _AuthState, headers: Mapping[str, str] | None, call: dict[str, Any]
    ) -> requests.Response:
        assert state.token is not None
        merged = {**(headers or {}), "X-Auth-Token": state.token.value.get_secret_value()}
        return self.transport.request(headers=merged, **call)

    def _held(self, state: _AuthState) -> bool:
        """Whether ``state``'s failure is recent enough to be handed out instead of retried."""
        return (
            state.error is not None
            and time.monotonic() - state.failed_at < self.settings.auth_failure_hold
        )

    def _usable_state(self) -> _AuthState:
        state = self._state
        token = state.live_token()
        if token is None:
            return self._reauthenticate(state)
        if not token.due_for_refresh(self.settings.reauth_margin) or self._held(state):
            return state
        # An early refresh: the token still works, so nobody waits for another thread's refresh.
        if not self._lock.acquire(blocking=False):
            return state
        try:
            return self._replace(state, rejected=False)
        finally:
            self._lock.release()

    def _reauthenticate(self, seen: _AuthState, *, rejected: bool = False) -> _AuthState:
        """Replace the state ``seen`` by the caller, unless another thread already did.

        ``rejected``: a service answered 401 to ``seen``'s token, so it is not kept on failure.
        """
        with self._lock:
            return self._replace(seen, rejected=rejected)

    def _replace(self, seen: _AuthState, *, rejected: bool) -> _AuthState:
        current = self._state
        fresh = current.live_token()
        if fresh is not None and fresh is not seen.token:
            return current  # another thread re-authenticated while this one waited
        # Whatever token is left is the one the caller saw: keep it only while it is valid.
        kept = None if rejected else fresh
        if current.error is not None and (current is not seen or self._held(current)):
            if kept is not None:
                return current
            raise current.error
        try:
            token = authenticate(self.transport, self.config.auth)
        except OpenStackError as exc:
            self._state = _AuthState(token=kept, error=exc, failed_at=time.monotonic())
            if kept is None:
                raise
            log.warning(
                "re-authentication failed, the current token is used for its last %.0f s: %s",
                kept.seconds_left(),
                exc,
            )
            return self._state
        self._state = _AuthState(token=token)
        return self._state
