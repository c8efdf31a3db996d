"""ObjectMeta rules: the fields the server owns, name checks, and what counts as a spec change."""

from __future__ import annotations

import base64
import datetime
import json
import re
import secrets
from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.resources import ResourceType

#: Set by the server only; whatever a client sends for them is replaced.
SYSTEM_FIELDS = (
    "uid",
    "creationTimestamp",
    "resourceVersion",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
)

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# The API server's generateName alphabet: no vowels, so no accidental words.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generated_name(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))


def check_name(rtype: ResourceType, name: str) -> None:
    """Namespaces are DNS labels; RBAC objects path segments (``system:discovery``); everything
    else here is a DNS subdomain."""
    if rtype.group == "rbac.authorization.k8s.io":
        _check_path_segment(rtype, name)
        return
    if rtype.key == ("", "namespaces"):
        ok, limit, what = bool(_LABEL.match(name)), 63, "a lowercase RFC 1123 label"
    else:
        ok, limit, what = bool(_SUBDOMAIN.match(name)), 253, "a lowercase RFC 1123 subdomain"
    if not ok or len(name) > limit:
        message = (
            f'Invalid value: "{name}": {what} must consist of lower case alphanumeric characters, '
            f"'-' or '.', start and end with an alphanumeric character, and be at most {limit} characters"
        )
        raise errors.field_invalid(rtype.kind, rtype.group, name, "metadata.name", message)


def _check_path_segment(rtype: ResourceType, name: str) -> None:
    """``ValidatePathSegmentName``, the name rule of Roles, ClusterRoles and their bindings."""
    problem = next(
        (
            why
            for bad, why in (
                (name == ".", "may not be '.'"),
                (name == "..", "may not be '..'"),
                ("/" in name, "may not contain '/'"),
                ("%" in name, "may not contain '%'"),
            )
            if bad
        ),
        None,
    )
    if problem is not None:
        message = f'Invalid value: "{name}": {problem}'
        raise errors.field_invalid(rtype.kind, rtype.group, name, "metadata.name", message)


def spec_changed(rtype: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether ``generation`` must grow: anything but metadata (and status, if a subresource)."""
    ignored = {"metadata", "status"} if rtype.status_subresource else {"metadata"}
    return any(old.get(key) != new.get(key) for key in (old.keys() | new.keys()) - ignored)


def same_content(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """A write that changes nothing keeps the resourceVersion and emits no watch event."""
    old_meta = {k: v for k, v in old.get("metadata", {}).items() if k != "resourceVersion"}
    new_meta = {k: v for k, v in new.get("metadata", {}).items() if k != "resourceVersion"}
    if old_meta != new_meta:
        return False
    return {k: v for k, v in old.items() if k != "metadata"} == {
        k: v for k, v in new.items() if k != "metadata"
    }


def fold_string_data(secret: dict[str, Any]) -> None:
    """Secrets store ``stringData`` base64-encoded under ``data``, as the API server does."""
    string_data = secret.pop("stringData", None) or {}
    if string_data:
        data = secret.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
