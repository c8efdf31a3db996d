"""A server as the watcher records it, for tests that need one without a cloud."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from instance_operator.controller.observe.observed import Observed

#: An ACTIVE, running server without addresses, flavor or image; ``updated`` at this time.
UPDATED = datetime(2026, 12, 3, 10, 0, 0, 250_000, tzinfo=UTC)

_ACTIVE = Observed(
    id="srv-1",
    name="web",
    status="ACTIVE",
    task_state=None,
    power_state=1,
    updated=UPDATED,
    created=UPDATED,
    addresses=(),
    flavor_id=None,
    flavor_name=None,
    image_id=None,
    key_name=None,
    availability_zone=None,
    server_groups=None,
    fault_code=None,
    fault_message=None,
    tags=(),
    metadata={},
    security_groups=(),
    seen_at=0.0,
)


def observed(**changes: Any) -> Observed:
    """That server with ``changes`` (any :class:`Observed` field)."""
    return replace(_ACTIVE, **changes)
