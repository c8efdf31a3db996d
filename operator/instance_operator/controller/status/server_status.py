"""What an observed Nova server looks like in ``Instance.status``. Pure.

Only the mirrored fields live here (phase, power, task, addresses, flavor, image, fault); conditions,
actions and snapshots are the reconciler's. A field the server gives no value for is None, left
out of the status written, so that an unchanged server yields an identical status and no write.
"""

from __future__ import annotations

from typing import Any

from instance_operator.api.models import Address, Fault, Phase
from instance_operator.controller.observe import observed
from instance_operator.controller.status.phases import phase_of, power_state_of

#: The ``InstanceStatus`` fields :func:`mirrored` owns: an observation replaces exactly these.
MIRRORED_FIELDS = (
    "server_id",
    "server_name",
    "phase",
    "server_status",
    "power_state",
    "task_state",
    "addresses",
    "flavor_id",
    "flavor_name",
    "image_id",
    "fault",
)


def mirrored(
    server: observed.Observed, *, flavor_id: str | None, flavor_name: str | None
) -> dict[str, Any]:
    """The status fields that mirror ``server``, each of :data:`MIRRORED_FIELDS`. The flavor comes
    from the caller, who can fill in the half (ID or name) that the server's microversion does not
    report."""
    phase = phase_of(server.status, server.task_state)
    fault = None
    if phase is Phase.ERROR and server.fault_code is not None:
        fault = Fault(code=server.fault_code, message=server.fault_message or "")
    return {
        "server_id": server.id,
        "server_name": server.name,
        "phase": phase,
        "server_status": server.status,
        "power_state": power_state_of(server.power_state),
        "task_state": server.task_state,
        "addresses": [_address(a) for a in server.addresses] or None,
        "flavor_id": flavor_id,
        "flavor_name": flavor_name,
        "image_id": server.image_id,
        "fault": fault,
    }


def _address(address: observed.Address) -> Address:
    """Validated: Nova's version (4, 6) and type (fixed, floating) are the schema's enums."""
    entry = {"network": address.network, "ip": address.ip, "version": address.version}
    return Address.model_validate(
        entry | {"type": address.type or None, "mac": address.mac or None}
    )
