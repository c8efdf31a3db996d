"""PATCH bodies by content type, applied to a private copy of the stored object.

Strategic merge patch is applied as a JSON merge patch: that is exact for custom resources (the
API server has no merge keys for them) and for the maps-only built-ins served here, but not for
lists with merge keys in other built-ins. A server-side apply body (YAML, or JSON which is YAML
too) is only decoded and checked here; ``apply/`` merges it.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer
import yaml

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.resources import ResourceType

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


class _Loader(yaml.SafeLoader):
    """YAML as the API server reads it: timestamps stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode_apply(raw: bytes) -> Any:
    """An apply body: one YAML (or JSON) object."""
    try:
        config = yaml.load(raw.decode("utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise errors.bad_request(f"error decoding patch: {error}") from error
    if not isinstance(config, dict):
        kind = (
            "array"
            if isinstance(config, list)
            else "string"
            if isinstance(config, str)
            else "value"
        )
        raise errors.bad_request(
            f"error decoding patch: json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
        )
    return config


def apply_configuration(
    rtype: ResourceType, namespace: str | None, name: str, config: dict[str, Any]
) -> dict[str, Any]:
    """Check an applied configuration the way the field manager and the patch handler do."""
    version = config.get("apiVersion")
    if version != rtype.api_version:
        shown = version if isinstance(version, str) else ""
        raise errors.bad_request(
            "Incorrect version specified in apply patch. "
            f"Specified patch version: {shown}, expected: {rtype.api_version}"
        )
    if config.get("kind") != rtype.kind:
        raise errors.bad_request(
            f"the kind in the data ({config.get('kind') or ''}) does not match the expected kind ({rtype.kind})"
        )
    meta = config.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be a JSON object")
    if meta.get("managedFields") is not None:
        raise errors.bad_request("metadata.managedFields must be nil")
    if rtype.namespaced and meta.get("namespace") not in (None, "", namespace):
        raise errors.bad_request(
            f"the namespace of the object ({meta['namespace']}) does not match the namespace on the request ({namespace})"
        )
    if meta.get("name", "") != name:
        raise errors.bad_request(
            f"the name of the object ({meta.get('name', '')}) does not match the name on the URL ({name})"
        )
    return config
