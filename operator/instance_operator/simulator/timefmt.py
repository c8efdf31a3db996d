"""The timestamp spellings of the OpenStack APIs, which differ from service to service.

State keeps times as float epoch seconds; these functions turn them into each wire format.
Nova's database stores whole seconds, so its ``updated``/``created`` drop the fraction and
``changes-since`` compares whole seconds too.
"""

from __future__ import annotations

import datetime as dt


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def isotime(ts: float) -> str:
    """``2026-11-23T12:25:50Z``: Nova's created/updated, Glance's and Neutron's created_at."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def isotime_micro(ts: float) -> str:
    """``2026-11-23T12:25:51.000000``: Nova's launched_at and instance-action times."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%f")


def isotime_micro_z(ts: float) -> str:
    """``2026-11-23T13:25:50.000000Z``: Keystone's expires_at and issued_at."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_isotime(text: str) -> float:
    """Parse an ISO 8601 time as clients send it; naive times are UTC. Raises ``ValueError``."""
    stamp = dt.datetime.fromisoformat(text.strip().replace(" ", "+"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.timestamp()
