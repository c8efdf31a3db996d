"""Compute microversions: parsing, ordering, and choosing one from the version document.

Nova serves every microversion from 2.1 up to its maximum; the client asks for the highest that
both sides know (capped at the newest one its models were checked against) and refuses to run
below the floor its calls need. The choice happens once per service client, from the version
document at the endpoint, like gophercloud's and keystoneauth's discovery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from instance_operator.openstack.errors import MicroversionUnsupported

_FORM = re.compile(r"^\s*(\d+)\.(\d+)\s*$")


class Microversion(NamedTuple):
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Microversion:
        match = _FORM.match(text)
        if match is None:
            raise ValueError(f"not a microversion: {text!r} (expected MAJOR.MINOR, e.g. 2.90)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


class VersionRange(NamedTuple):
    """What the server offers: ``min_version``..``version`` of its current API version."""

    minimum: Microversion
    maximum: Microversion


def server_range(document: Mapping[str, Any], api_version: str = "v2.1") -> VersionRange:
    """The microversion range from a version document.

    A versioned endpoint answers ``{"version": {...}}``, an unversioned root ``{"versions":
    [...]}``; either way the entry whose ``id`` is ``api_version`` counts.
    """
    if isinstance(document.get("version"), Mapping):
        entries = [document["version"]]
    else:
        raw = document.get("versions")
        if isinstance(raw, Mapping):  # Keystone's shape: {"versions": {"values": [...]}}
            raw = raw.get("values")
        entries = [e for e in raw or [] if isinstance(e, Mapping)]
    for entry in entries:
        if entry.get("id") == api_version:
            top, bottom = entry.get("version") or "", entry.get("min_version") or ""
            if not top or not bottom:
                raise MicroversionUnsupported(f"API {api_version} announces no microversions")
            return VersionRange(Microversion.parse(bottom), Microversion.parse(top))
    found = ", ".join(str(e.get("id")) for e in entries) or "none"
    raise MicroversionUnsupported(f"the version document has no {api_version} (found: {found})")


def negotiate(
    offered: VersionRange,
    *,
    floor: Microversion,
    ceiling: Microversion,
    pinned: Microversion | None = None,
) -> Microversion:
    """The highest microversion both sides support, never below ``floor``.

    ``pinned`` (clouds.yaml ``compute_api_version``) lowers the ceiling; it cannot go below the
    floor because the client's calls would then change meaning.
    """
    top = min(ceiling, pinned) if pinned is not None else ceiling
    chosen = min(top, offered.maximum)
    if chosen < floor:
        who = "compute_api_version" if pinned is not None and pinned < floor else "the cloud"
        raise MicroversionUnsupported(
            f"{who} offers at most {chosen}, but this client needs {floor} or newer "
            f"(the cloud supports {offered.minimum} to {offered.maximum})"
        )
    if chosen < offered.minimum:
        raise MicroversionUnsupported(
            f"the cloud needs at least {offered.minimum}, but this client knows only up to {top}"
        )
    return chosen
