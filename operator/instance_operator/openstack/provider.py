"""The provider: one credential scope, its token, and the transport every service shares.

Like gophercloud's ProviderClient, this is the one place that knows about authentication. The
reconciler calls it from many worker threads at once, so the token lives in an immutable state
object swapped under a lock: readers never lock, and when the token is about to expire or a
service answers 401, the first thread re-authenticates while the others wait and then use its
result (success or failure) instead of asking Keystone again.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class _AuthState:
    token: Token | None = None
    #: The last authentication's failure, handed to every caller for ``auth_failure_hold``.
    error: OpenStackError | None = None
    failed_at: float = 0.0


class Provider:
    """Thread-safe; share one per credential scope (see ``cloud.CloudPool``)."""

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
        """A token with more than ``reauth_margin`` seconds left, authenticating if needed."""
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
            state = self._reauthenticate(state)
            response = self._send(state, headers, call)
        return response

    def _send(
        self, state: _AuthState, headers: Mapping[str, str] | None, call: dict[str, Any]
    ) -> requests.Response:
        assert state.token is not None
        merged = {**(headers or {}), "X-Auth-Token": state.token.value.get_secret_value()}
        return self.transport.request(headers=merged, **call)

    def _usable_state(self) -> _AuthState:
        state = self._state
        if state.token is not None and not state.token.due_for_refresh(self.settings.reauth_margin):
            return state
        return self._reauthenticate(state)

    def _reauthenticate(self, seen: _AuthState) -> _AuthState:
        """Replace the state ``seen`` by the caller, unless another thread already did."""
        with self._lock:
            current = self._state
            if current is not seen:
                if current.error is not None:
                    raise current.error
                if current.token is not None and current.token.seconds_left() > 0:
                    return current
            elif (
                current.error is not None
                and time.monotonic() - current.failed_at < self.settings.auth_failure_hold
            ):
                raise current.error
            try:
                token = authenticate(self.transport, self.config.auth)
            except OpenStackError as exc:
                self._state = _AuthState(error=exc, failed_at=time.monotonic())
                raise
            self._state = _AuthState(token=token)
            return self._state
