"""A token's expiry is tracked by the lifetime Keystone states, so skew between clocks is harmless.

Keystone stamps ``issued_at`` and ``expires_at`` with its own clock. A client that compared
``expires_at`` with its local wall clock would, with that clock 5 minutes ahead, throw away a
fresh 3-minute token as expired (re-authenticating on every call), and with it 5 minutes behind,
use a token Keystone has expired for 5 minutes (a 401 on every call until it learns).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from instance_operator.openstack.auth import authenticate
from instance_operator.openstack.config import PasswordAuth

LIFETIME = timedelta(minutes=3)


class KeystoneWithItsOwnClock:
    """Answers ``POST /v3/auth/tokens`` with stamps from a clock ``offset`` off the local one."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def request(self, **_: Any) -> requests.Response:
        issued = datetime.now(UTC) + self.offset
        response = requests.Response()
        response.status_code = 201
        response.headers["X-Subject-Token"] = "gAAAA-token"
        response.headers["Content-Type"] = "application/json"
        body = {
            "token": {
                "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "expires_at": (issued + LIFETIME).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "methods": ["password"],
                "project": {"id": "p1", "name": "demo", "domain": {"id": "default"}},
                "catalog": [],
            }
        }
        response._content = json.dumps(body).encode()
        return response


AUTH = PasswordAuth(
    auth_url="http://keystone.invalid/v3",
    username="demo",
    password="secret",
    user_domain_name="Default",
    project_name="demo",
    project_domain_name="Default",
)


@pytest.mark.parametrize("keystone_offset", [timedelta(minutes=5), timedelta(minutes=-5)])
def test_expiry_follows_keystones_lifetime_not_the_local_clock(keystone_offset: timedelta) -> None:
    before = time.monotonic()
    token = authenticate(KeystoneWithItsOwnClock(keystone_offset), AUTH)  # type: ignore[arg-type]
    after = time.monotonic()
    assert token.lifetime == pytest.approx(LIFETIME.total_seconds(), abs=1)
    # The deadline is counted from when the request left, on the monotonic clock.
    assert before + token.lifetime <= token.deadline + 1e-6
    assert token.deadline <= after + token.lifetime
    # Neither thrown away at once (Keystone behind) nor kept past its end (Keystone ahead).
    assert 0 < token.seconds_left() <= LIFETIME.total_seconds()
    assert not token.due_for_refresh(margin=60)
