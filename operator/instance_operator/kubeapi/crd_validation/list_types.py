"""``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys`` and ``x-kubernetes-map-type``.

Server-side apply merges lists and maps by these markers, so they must make sense: a list type on
an array only (atomic, set or map), map keys only with ``list-type: map`` and then required,
scalar, existing, unique, non-nullable properties of object items; ``set`` items that are
themselves lists or objects must be atomic; a map type on an object only (atomic or granular).
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi.crd_validation.fields import (
    Cause,
    Path,
    forbidden,
    go_syntax,
    invalid,
    not_supported,
    required,
)


def check_list_and_map_types(s: dict[str, Any], path: Path) -> list[Cause]:
    causes: list[Cause] = []
    kind = s.get("type", "")
    map_type = s.get("x-kubernetes-map-type")
    list_type = s.get("x-kubernetes-list-type")
    keys = s.get("x-kubernetes-list-map-keys") or []
    items = s.get("items") if isinstance(s.get("items"), dict) else None

    if map_type is not None and kind != "object":
        detail = "must be object if x-kubernetes-map-type is specified"
        causes.append(
            required(path.child("type"), detail)
            if not kind
            else invalid(path.child("type"), kind, detail)
        )
    if map_type is not None and map_type not in ("atomic", "granular"):
        causes.append(
            not_supported(path.child("x-kubernetes-map-type"), map_type, ["atomic", "granular"])
        )

    if list_type is not None and kind != "array":
        detail = "must be array if x-kubernetes-list-type is specified"
        causes.append(
            required(path.child("type"), detail)
            if not kind
            else invalid(path.child("type"), kind, detail)
        )
    elif list_type == "set" and items is not None:
        detail = "must be atomic as item of a list with x-kubernetes-list-type=set"
        if (
            items.get("type") == "array"
            and items.get("x-kubernetes-list-type", "atomic") != "atomic"
        ):
            causes.append(
                invalid(
                    path.child("items").child("x-kubernetes-list-type"),
                    items["x-kubernetes-list-type"],
                    detail,
                )
            )
        if items.get("type") == "object" and items.get("x-kubernetes-map-type") != "atomic":
            # The API server reports the item's list type here (unset: null), not its map type.
            causes.append(
                invalid(
                    path.child("items").child("x-kubernetes-map-type"),
                    items.get("x-kubernetes-list-type"),
                    detail,
                )
            )
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        causes.append(
            not_supported(path.child("x-kubernetes-list-type"), list_type, ["atomic", "set", "map"])
        )

    if keys:
        detail = "must be map if x-kubernetes-list-map-keys is non-empty"
        if list_type is None:
            causes.append(required(path.child("x-kubernetes-list-type"), detail))
        elif list_type != "map":
            causes.append(invalid(path.child("x-kubernetes-list-type"), list_type, detail))

    if list_type == "map":
        causes += _map_list(s, keys, items, path)
    if list_type in ("set", "map") and items is not None:
        causes += _keys_required(list_type, keys, items, path)
    return causes


def _map_list(
    s: dict[str, Any], keys: list[str], items: dict[str, Any] | None, path: Path
) -> list[Cause]:
    causes: list[Cause] = []
    if not keys:
        causes.append(
            required(
                path.child("x-kubernetes-list-map-keys"),
                "must not be empty if x-kubernetes-list-type is map",
            )
        )
    if "items" not in s:
        causes.append(
            required(path.child("items"), "must have a schema if x-kubernetes-list-type is map")
        )
    if items is None:
        return causes
    item_type = items.get("type", "")
    if item_type != "object":
        causes.append(
            invalid(
                path.child("items").child("type"),
                item_type,
                "must be object if parent array's x-kubernetes-list-type is map",
            )
        )
        return causes
    seen: set[str] = set()
    properties = items.get("properties") or {}
    for key in keys:
        if key in properties:
            if properties[key].get("type") in ("array", "object"):
                causes.append(
                    invalid(
                        path.child("items").child("properties").key(key).child("type"),
                        item_type,
                        "must be a scalar type if parent array's x-kubernetes-list-type is map",
                    )
                )
        else:
            causes.append(
                invalid(
                    path.child("x-kubernetes-list-map-keys"),
                    None,
                    "entries must all be names of item properties",
                    rendered=go_syntax(keys),
                )
            )
        if key in seen:
            causes.append(
                invalid(
                    path.child("x-kubernetes-list-map-keys"),
                    None,
                    "must not contain duplicate entries",
                    rendered=go_syntax(keys),
                )
            )
        seen.add(key)
    return causes


def _keys_required(
    list_type: str, keys: list[str], items: dict[str, Any], path: Path
) -> list[Cause]:
    """Set and map items are never null; map keys are always there."""
    causes: list[Cause] = []
    if items.get("nullable"):
        causes.append(
            forbidden(
                path.child("items").child("nullable"),
                f"cannot be nullable when x-kubernetes-list-type is {list_type}",
            )
        )
    if list_type != "map":
        return causes
    mandatory = set(items.get("required") or [])
    properties = items.get("properties") or {}
    for key in keys:
        if key not in properties:
            continue
        where = path.child("items").child("properties").key(key)
        if key not in mandatory and "default" not in properties[key]:
            causes.append(
                required(
                    where.child("default"),
                    "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
                )
            )
        if properties[key].get("nullable"):
            causes.append(
                forbidden(
                    where.child("nullable"),
                    "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                )
            )
    return causes
