"""The service catalog a project-scoped token carries: one URL per service, devstack-style.

All services share the simulator's single port and differ by path prefix. The compute URL can
end in the project ID, like clouds whose catalog template is ``.../v2.1/$(project_id)s``;
Keystone substitutes the template before it reaches the client, and so do we.
"""

from __future__ import annotations

from typing import Any

from instance_operator.simulator.config import derived_hex

INTERFACES = ("public", "internal")


def service_urls(origin: str, project_id: str, with_project_id: bool) -> dict[str, str]:
    compute = f"{origin}/compute/v2.1"
    if with_project_id:
        compute = f"{compute}/{project_id}"
    return {
        "identity": f"{origin}/identity",
        "compute": compute,
        "image": f"{origin}/image",
        "network": f"{origin}/networking",
    }


_NAMES = {"identity": "keystone", "compute": "nova", "image": "glance", "network": "neutron"}


def catalog(
    origin: str, region: str, project_id: str, with_project_id: bool
) -> list[dict[str, Any]]:
    entries = []
    for service, url in service_urls(origin, project_id, with_project_id).items():
        endpoints = [
            {
                "id": derived_hex("endpoint", f"{service}/{interface}"),
                "interface": interface,
                "region_id": region,
                "url": url,
                "region": region,
            }
            for interface in INTERFACES
        ]
        entries.append(
            {
                "endpoints": endpoints,
                "id": derived_hex("service", service),
                "type": service,
                "name": _NAMES[service],
            }
        )
    return entries
