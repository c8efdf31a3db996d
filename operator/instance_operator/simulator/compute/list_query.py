"""The query parameters ``GET /servers`` and ``/servers/detail`` accept, and Nova's 400 for others.

Nova checks the query string against a JSON schema. Up to 2.74 that schema lets unknown names
through and the API drops them, so a misspelt filter silently lists every server; from 2.75
(``additionalProperties: false``) they are a 400. Names starting with ``_`` match the schema's
one pattern and pass it. The error has no "Invalid input" prefix: an unknown name is a fault of
the whole query, and Nova words only errors of a single parameter that way.
"""

from __future__ import annotations

from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest

#: Every name of Nova's 2.75 schema (filters, sorting, paging, and the joined-table names that
#: Nova accepts here only to refuse them later as filters).
KNOWN = frozenset(
    {
        "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image",
        "kernel_id", "ramdisk_id", "hostname", "key_name", "power_state", "vm_state",
        "task_state", "host", "node", "flavor", "reservation_id", "launched_at",
        "terminated_at", "availability_zone", "name", "display_name", "description",
        "display_description", "locked_by", "uuid", "root_device_name", "config_drive",
        "access_ip_v4", "access_ip_v6", "auto_disk_config", "progress", "sort_key",
        "sort_dir", "all_tenants", "soft_deleted", "deleted", "status", "changes-since",
        "ip", "ip6", "created_at", "block_device_mapping", "services", "metadata",
        "system_metadata", "info_cache", "security_groups", "pci_devices", "limit", "marker",
        "tags", "tags-any", "not-tags", "not-tags-any", "changes-before", "locked",
    }
)  # fmt: skip


def reject_unknown(req: ApiRequest) -> None:
    """From 2.75, 400 for names outside the schema, worded as jsonschema words it."""
    if not req.at_least(2, 75):
        return
    unknown = sorted({k for k in req.query if k not in KNOWN and not k.startswith("_")})
    if unknown:
        verb = "does" if len(unknown) == 1 else "do"
        names = ", ".join(repr(k) for k in unknown)
        raise ApiError(400, f"{names} {verb} not match any of the regexes: '^_'")
