"""Keys a JSON body repeats, named as the API server's strict decoder names them.

Python's ``json`` keeps the last of repeated keys silently; the API server's decoder keeps the
last too but reports each repeat to ``fieldValidation``: ``duplicate field "spec.paused"`` in an
object body or a merge patch, ``json patch duplicate field "[1].path"`` among a JSON patch
operation's own keys (repeats inside its ``value`` pass unnoticed, as on the API server). Paths
index list items as ``[0]``.
"""

from __future__ import annotations

import json
from typing import Any

_JSON_PATCH = "application/json-patch+json"


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers which of its keys came more than once."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    decoded = _Object()
    decoded.repeated = []
    for key, value in pairs:
        if key in decoded and key not in decoded.repeated:
            decoded.repeated.append(key)
        decoded[key] = value
    return decoded


def find(raw: bytes, content_type: str) -> list[str]:
    """The duplicate-field messages for a JSON request body, in document order."""
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if not raw or not (media == "application/json" or media.endswith("+json")):
        return []
    try:
        decoded = json.loads(raw, object_pairs_hook=_pairs)
    except ValueError:
        return []  # the handler reports the body itself
    if media == _JSON_PATCH:  # only an operation's own keys: its value's repeats go unnoticed
        return [
            f'json patch duplicate field "[{index}].{key}"'
            for index, operation in enumerate(decoded if isinstance(decoded, list) else [])
            if isinstance(operation, _Object)
            for key in operation.repeated
        ]
    return [f'duplicate field "{path}"' for path in _walk(decoded, "")]


def _walk(value: Any, path: str) -> list[str]:
    found = []
    if isinstance(value, _Object):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if key in value.repeated:
                found.append(child)
            found += _walk(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _walk(item, f"{path}[{index}]")
    return found
