"""PATCH bodies by content type, applied to a private copy of the stored object.

Strategic merge patch is applied as a JSON merge patch: that is exact for custom resources (the
API server has no merge keys for them) and for the maps-only built-ins served here, but not for
lists with merge keys in other built-ins. Server-side apply is not supported (415).
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer

from instance_operator.kubeapi import errors

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def apply(content_type: str, target: dict[str, Any], patch: Any) -> dict[str, Any]:
    """The patched object; ``target`` is consumed (the caller passes a copy)."""
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media in (MERGE, STRATEGIC):
        if not isinstance(patch, dict):
            raise errors.bad_request("a merge patch must be a JSON object")
        merged = merge(target, patch)
        assert isinstance(merged, dict)
        return merged
    if media == JSON_PATCH:
        if not isinstance(patch, list):
            raise errors.bad_request("a JSON patch must be a JSON array of operations")
        try:
            patched = jsonpatch.JsonPatch(patch).apply(target, in_place=True)
        except jsonpatch.InvalidJsonPatch as error:
            raise errors.bad_request(f"invalid JSON patch: {error}") from error
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as error:
            raise errors.unprocessable(
                f"the server rejected our request due to an error in our request: {error}"
            ) from error
        if not isinstance(patched, dict):
            raise errors.unprocessable("a JSON patch must leave an object")
        return patched
    raise errors.unsupported_media_type(content_type)


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result
