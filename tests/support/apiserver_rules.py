"""What a Kubernetes API server checks when a custom resource is written, for tests.

Three checks, each as the API server does them with strict field validation (``kubectl apply
--validate=strict``): unknown fields are errors, the OpenAPI v3 schema holds (checked with
jsonschema), and every CEL rule in ``x-kubernetes-validations`` holds (evaluated with cel-python),
transition rules included when an old object is given. Errors name the field, as the API server's do.
"""

from __future__ import annotations

import re
from typing import Any

import celpy
import jsonschema

Schema = dict[str, Any]

_cel = celpy.Environment()


def errors(schema: Schema, obj: Any, old: Any = None) -> list[str]:
    found = [f"{path}: unknown field" for path in _unknown_fields(schema, obj, "")]
    found += _duplicates_in_sets(schema, obj, "")
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for error in validator.iter_errors(obj):
        path = _path(error.absolute_path)
        if error.validator == "required":  # the API server names the missing field itself
            missing = re.search(r"'([^']+)' is a required property", error.message)
            found.append(f"{_join(path, missing.group(1) if missing else '?')}: Required value")
        else:
            found.append(f"{path}: {error.message}")
    if not found:  # like the API server, CEL runs on a schema-valid object only
        found.extend(_cel_errors(schema, obj, old, ""))
    return found


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _unknown_fields(schema: Schema, obj: Any, path: str) -> list[str]:
    if isinstance(obj, dict) and "properties" in schema:
        found = [_join(path, k) for k in obj if k not in schema["properties"]]
        for key, value in obj.items():
            if key in schema["properties"]:
                found += _unknown_fields(schema["properties"][key], value, _join(path, key))
        return found
    if isinstance(obj, dict) and isinstance(schema.get("additionalProperties"), dict):
        return [
            f
            for key, value in obj.items()
            for f in _unknown_fields(schema["additionalProperties"], value, _join(path, key))
        ]
    if isinstance(obj, list) and "items" in schema:
        return [
            f
            for i, item in enumerate(obj)
            for f in _unknown_fields(schema["items"], item, _join(path, i))
        ]
    return []


def _duplicates_in_sets(schema: Schema, obj: Any, path: str) -> list[str]:
    """``x-kubernetes-list-type: set`` lists must not repeat an item."""
    found = []
    if isinstance(obj, list) and schema.get("x-kubernetes-list-type") == "set":
        seen: list[Any] = []
        for i, item in enumerate(obj):
            if item in seen:
                found.append(f"{_join(path, i)}: Duplicate value: {item!r}")
            seen.append(item)
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in schema.get("properties", {}):
                found += _duplicates_in_sets(schema["properties"][key], value, _join(path, key))
    return found


def _cel_errors(schema: Schema, obj: Any, old: Any, path: str) -> list[str]:
    found = []
    for rule in schema.get("x-kubernetes-validations", []):
        is_transition = "oldSelf" in rule["rule"]
        if is_transition and old is None:
            continue
        activation = {"self": celpy.json_to_cel(obj)}
        if is_transition:
            activation["oldSelf"] = celpy.json_to_cel(old)
        program = _cel.program(_cel.compile(rule["rule"]))
        result = program.evaluate(activation)
        if not (isinstance(result, celpy.celtypes.BoolType) and bool(result)):
            where = path + rule.get("fieldPath", "")
            found.append(f"{where.lstrip('.')}: {rule['message']}")
    if isinstance(obj, dict):
        children: dict[Any, Schema] = {}
        if "properties" in schema:
            children = {k: schema["properties"][k] for k in obj if k in schema["properties"]}
        elif isinstance(schema.get("additionalProperties"), dict):
            children = dict.fromkeys(obj, schema["additionalProperties"])
        for key, sub in children.items():
            old_value = old.get(key) if isinstance(old, dict) else None
            found += _cel_errors(sub, obj[key], old_value, _join(path, key))
    elif isinstance(obj, list) and "items" in schema:
        # Transition rules on list items need a list-map to pair old and new items; this API has
        # none, so items are checked without oldSelf.
        for i, item in enumerate(obj):
            found += _cel_errors(schema["items"], item, None, _join(path, i))
    return found
