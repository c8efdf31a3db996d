"""Compute microversion negotiation, as Nova does it.

``OpenStack-API-Version: compute X.Y`` wins over the legacy ``X-OpenStack-Nova-API-Version``;
no header means the minimum; ``latest`` means the maximum; a malformed value is 400 and an
out-of-range one is 406, and either way the answer echoes the version in both headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import Version

NEW_HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
VARY = f"{NEW_HEADER}, {LEGACY_HEADER}"

_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def parse(text: str) -> Version:
    match = _FORMAT.match(text.strip())
    if match is None:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2))


def spell(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def requested(headers: Mapping[str, str]) -> str | None:
    """The compute version the client asked for, as it spelled it, or ``None``."""
    new = headers.get(NEW_HEADER)
    if new:
        for part in new.split(","):
            service, _, value = part.strip().partition(" ")
            if service.lower() == "compute" and value.strip():
                return value.strip()
    legacy = headers.get(LEGACY_HEADER)
    return legacy.strip() if legacy else None


def echo_headers(spelled: str) -> dict[str, str]:
    return {NEW_HEADER: f"compute {spelled}", LEGACY_HEADER: spelled, "Vary": VARY}


def negotiate(headers: Mapping[str, str], minimum: Version, maximum: Version) -> Version:
    """The version to answer at; raises ``ApiError`` (with the echo headers) when refused."""
    asked = requested(headers)
    if asked is None:
        return minimum
    if asked.lower() == "latest":
        return maximum
    try:
        version = parse(asked)
    except ValueError:
        raise ApiError(
            400,
            f"API Version String {asked} is of invalid format. Must be of format MajorNum.MinorNum.",
            headers=echo_headers(asked),
        ) from None
    if not minimum <= version <= maximum:
        raise ApiError(
            406,
            f"Version {asked} is not supported by the API. "
            f"Minimum is {spell(minimum)} and maximum is {spell(maximum)}.",
            headers=echo_headers(asked),
        )
    return version
