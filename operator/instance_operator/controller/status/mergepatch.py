"""The smallest JSON merge patch (RFC 7386) that turns one status into another.

The operator writes status only when something changed, and then only what changed: a watcher
that sees 1,000 servers must not send 1,000 unchanged statuses, and a small patch cannot clobber
a field it did not mean to touch.
"""

from __future__ import annotations

from typing import Any


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key in old.keys() - new.keys():
        patch[key] = None
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            nested = diff(before, value)
            if nested:
                patch[key] = nested
        elif value != before or key not in old:
            patch[key] = value
    return patch
