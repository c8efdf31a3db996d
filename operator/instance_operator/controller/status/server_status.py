"""What an observed Nova server looks like in ``Instance.status``. Pure.

Only the mirrored fields live here (phase, power, task, addresses, flavor, image, fault); conditions,
actions and snapshots are the reconciler's. Fields without a value are left out rather than set to
null, so that an unchanged server yields an identical dict and no write.
"""

from __future__ import annotations

from typing import Any

from instance_operator.api.models import Phase
from instance_operator.controller.observe.observed import Address, Observed
from instance_operator.controller.status.phases import phase_of, power_state_of

#: The keys :func:`mirrored` owns: an observation replaces exactly these.
MIRRORED_KEYS = (
    "serverID",
    "serverName",
    "phase",
    "serverStatus",
    "powerState",
    "taskState",
    "addresses",
    "flavorID",
    "flavorName",
    "imageID",
    "fault",
)


def mirrored(server: Observed, *, flavor_id: str | None, flavor_name: str | None) -> dict[str, Any]:
    """The status fields that mirror ``server``. The flavor comes from the caller, who can fill
    in the half (ID or name) that the server's microversion does not report."""
    phase = phase_of(server.status, server.task_state)
    power = power_state_of(server.power_state)
    status: dict[str, Any] = {
        "serverID": server.id,
        "serverName": server.name,
        "phase": phase.value,
        "serverStatus": server.status,
        "powerState": power.value if power is not None else None,
        "taskState": server.task_state,
        "addresses": [_address(a) for a in server.addresses] or None,
        "flavorID": flavor_id,
        "flavorName": flavor_name,
        "imageID": server.image_id,
    }
    if phase is Phase.ERROR and server.fault_code is not None:
        status["fault"] = {"code": server.fault_code, "message": server.fault_message or ""}
    return {key: value for key, value in status.items() if value is not None}


def _address(address: Address) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "network": address.network,
        "ip": address.ip,
        "version": address.version,
    }
    if address.type:
        entry["type"] = address.type
    if address.mac:
        entry["mac"] = address.mac
    return entry
