"""Fields that cannot change once the server exists: recorded as digests at creation, compared on
every pass, and reported (never "fixed" by recreating the server)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from instance_operator.api.models import IMMUTABLE_FIELDS, InstanceStatus
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.status.conditions import Problem
from instance_operator.controller.status.reasons import Reason

#: The server lives where these credentials pointed at creation.
CREDENTIALS_FIELD = "cloudCredentialsRef"


def spec_digests(spec: dict[str, Any]) -> dict[str, str]:
    """Short digests of the immutable fields as written (absent fields included, as "-")."""
    out = {}
    for field in IMMUTABLE_FIELDS:
        value = spec.get(field)
        text = (
            json.dumps(value, sort_keys=True, separators=(",", ":")) if value is not None else "-"
        )
        out[field] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def changed_immutable_fields(status: InstanceStatus, spec: Mapping[str, Any]) -> list[str]:
    """Immutable fields whose digest differs from the one recorded at creation; none when
    nothing was recorded, and a field without a digest (made immutable by a later version of the
    operator than the one that created the server) is compared from when it is first recorded."""
    recorded = status.spec_digests
    if not recorded:
        return []
    current = spec_digests(dict(spec))
    return [f for f in IMMUTABLE_FIELDS if f in recorded and recorded[f] != current[f]]


def check_immutable(p: Pass) -> list[str]:
    """The immutable fields changed since the server was created (a Degraded problem)."""
    current = spec_digests(dict(p.view.spec))
    if not p.status.spec_digests:  # adopted from an earlier version: start from here
        p.status.spec_digests = current
        return []
    if current.keys() - p.status.spec_digests.keys():  # fields new in this version
        p.status.spec_digests = {**current, **p.status.spec_digests}
    changed = changed_immutable_fields(p.status, p.view.spec)
    if changed:
        fields = ", ".join(f"spec.{f}" for f in changed)
        p.problem = Problem(
            Reason.IMMUTABLE_FIELD_CHANGED,
            f"{fields} changed after the server was created and cannot change in place (is the"
            " CRD up to date?). Revert the change, or create a new Instance; the server is left"
            " as it is.",
            transient=False,
        )
    return changed
