"""Values read through their schema, as structured-merge-diff reads them.

A CRD version's ``openAPIV3Schema`` says how each value is owned and merged:

- an object with ``properties`` is a struct: its fields are separate, and a field holding a
  non-empty object is not itself a member (only what is under it is);
- an object with ``additionalProperties`` (or one that keeps unknown fields) is a granular
  map: every entry is a member; ``x-kubernetes-map-type: atomic`` makes it one value;
- a list is atomic unless ``x-kubernetes-list-type`` says ``set`` (items by value) or ``map``
  (items by their ``x-kubernetes-list-map-keys``);
- where there is no schema (built-in objects here, preserved unknown fields) objects are
  granular maps, lists atomic.

Every object has ObjectMeta's own schema under ``metadata``: labels and annotations are maps,
finalizers a set, ownerReferences a map-list keyed by ``uid``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from instance_operator.kubeapi.apply import fieldpath
from instance_operator.kubeapi.apply.fieldpath import Path
from instance_operator.kubeapi.resources import ResourceType

Schema = dict[str, Any] | None  # None: deduced from the value, as for preserved unknown fields


class _Missing:
    """A value absent on one side of a comparison or merge (``None`` is JSON null)."""


MISSING: Any = _Missing()
_UNDECLARED: Any = _Missing()

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_OWNER_REFERENCE = {
    "type": "object",
    "properties": {
        name: {"type": kind}
        for name, kind in (
            ("apiVersion", "string"),
            ("kind", "string"),
            ("name", "string"),
            ("uid", "string"),
            ("controller", "boolean"),
            ("blockOwnerDeletion", "boolean"),
        )
    },
}
OBJECT_META: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{
            name: {"type": "string"}
            for name in (
                "name",
                "generateName",
                "namespace",
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "deletionTimestamp",
                "selfLink",
            )
        },
        "generation": {"type": "integer"},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": {
            "type": "array",
            "items": {"type": "string"},
            "x-kubernetes-list-type": "set",
        },
        "ownerReferences": {
            "type": "array",
            "items": _OWNER_REFERENCE,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["uid"],
        },
        "managedFields": {"type": "array", "items": {"type": "object"}},
    },
}


def root_schema(rtype: ResourceType) -> dict[str, Any]:
    """The whole object's schema: the CRD version's, or none for built-ins, with ObjectMeta."""
    if rtype.schema is None:
        base: dict[str, Any] = {"x-kubernetes-preserve-unknown-fields": True}
    else:
        base = rtype.schema.schema
    properties = {
        **base.get("properties", {}),
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": OBJECT_META,
    }
    return {**base, "type": "object", "properties": properties}


# -- what a value is -------------------------------------------------------------------------


def _kind(schema: Schema, value: Any) -> str:
    """``scalar``, ``atomic``, ``map`` (struct or granular map), ``set`` or ``listmap``."""
    deduced = schema is None or (
        "type" not in schema
        and "properties" not in schema
        and schema.get("x-kubernetes-preserve-unknown-fields")
    )
    if deduced:
        return (
            "map" if isinstance(value, dict) else "atomic" if isinstance(value, list) else "scalar"
        )
    assert schema is not None
    if isinstance(value, dict):
        if schema.get("type") not in (None, "object"):
            return "scalar"
        return "atomic" if schema.get("x-kubernetes-map-type") == "atomic" else "map"
    if isinstance(value, list):
        list_type = schema.get("x-kubernetes-list-type", "atomic")
        if schema.get("type") != "array" or list_type not in ("set", "map"):
            return "atomic"
        return "set" if list_type == "set" else "listmap"
    return "scalar"


def _child(schema: Schema, name: str) -> tuple[Schema, bool]:
    """The schema of a map entry, and whether it is a struct field; ``_UNDECLARED`` if pruned."""
    if schema is None:
        return None, False
    properties = schema.get("properties") or {}
    if name in properties:
        return properties[name], True
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        return additional, False
    if (
        additional is True
        or schema.get("x-kubernetes-preserve-unknown-fields")
        or not ("type" in schema or properties)
    ):
        return None, False
    return _UNDECLARED, False


def _items(schema: Schema) -> Schema:
    items = schema.get("items") if schema is not None else None
    return items if isinstance(items, dict) else None


def _element(schema: Schema, kind: str, item: Any) -> str:
    if kind == "set":
        return fieldpath.value(item)
    keys = (schema or {}).get("x-kubernetes-list-map-keys") or []
    present = item if isinstance(item, dict) else {}
    return fieldpath.key({name: present[name] for name in keys if name in present})


def _indexed(schema: Schema, kind: str, items: Any) -> dict[str, Any]:
    """List items by path element; a repeated element keeps its first item."""
    found: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        found.setdefault(_element(schema, kind, item), item)
    return found


def same(left: Any, right: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same, left, right))
    if type(left) is not type(right) and not (
        isinstance(left, int | float) and isinstance(right, int | float)
    ):
        return False
    return bool(left == right)


# -- the walks -------------------------------------------------------------------------------


def field_set(schema: Schema, value: Any) -> set[Path]:
    """The members a value sets: what an applier owns for the configuration it sent."""
    found: set[Path] = set()
    _field_set(schema, value, (), found)
    return found


def _field_set(schema: Schema, value: Any, path: Path, found: set[Path]) -> None:
    kind = _kind(schema, value)
    if kind == "map":
        for name, child in value.items():
            sub, is_field = _child(schema, name)
            if sub is _UNDECLARED:
                continue
            here = (*path, fieldpath.field(name))
            _field_set(sub, child, here, found)
            if child is None or child == {} or not is_field:
                found.add(here)
    elif kind in ("set", "listmap"):
        for element, item in _indexed(schema, kind, value).items():
            here = (*path, element)
            _field_set(_items(schema), item, here, found)
            found.add(here)
    elif path:
        found.add(path)


class Comparison:
    """What changed between two values: members added, modified (leaves only) and removed."""

    def __init__(self) -> None:
        self.added: set[Path] = set()
        self.modified: set[Path] = set()
        self.removed: set[Path] = set()


def compare(schema: Schema, old: Any, new: Any) -> Comparison:
    result = Comparison()
    _compare(schema, old, new, (), result)
    return result


def _compare(schema: Schema, old: Any, new: Any, path: Path, result: Comparison) -> None:
    if old is new or (type(old) is type(new) and old == new):
        return  # the common case (most of an object is untouched by a write), at C speed
    old_kind = None if old is MISSING else _kind(schema, old)
    new_kind = None if new is MISSING else _kind(schema, new)
    kind = new_kind or old_kind
    if (old_kind and new_kind and old_kind != new_kind) or kind in ("scalar", "atomic"):
        if old is MISSING:
            result.added.add(path)
        elif new is MISSING:
            result.removed.add(path)
        elif not same(old, new):
            result.modified.add(path)
        return
    for element, sub, left, right in _pairs(schema, kind, old, new):
        _compare(sub, left, right, (*path, element), result)
    if path and old is MISSING:
        result.added.add(path)
    elif path and new is MISSING:
        result.removed.add(path)


def _pairs(
    schema: Schema, kind: Any, left: Any, right: Any
) -> Iterator[tuple[str, Schema, Any, Any]]:
    """The children of two granular values side by side, by path element."""
    if kind == "map":
        lefts = left if isinstance(left, dict) else {}
        rights = right if isinstance(right, dict) else {}
        for name in [*lefts, *(name for name in rights if name not in lefts)]:
            sub, _ = _child(schema, name)
            if sub is not _UNDECLARED:
                yield (
                    fieldpath.field(name),
                    sub,
                    lefts.get(name, MISSING),
                    rights.get(name, MISSING),
                )
    else:
        lefts = _indexed(schema, kind, left)
        rights = _indexed(schema, kind, right)
        for element in [*lefts, *(element for element in rights if element not in lefts)]:
            yield element, _items(schema), lefts.get(element, MISSING), rights.get(element, MISSING)


def merge(schema: Schema, live: Any, config: Any) -> Any:
    """The applied configuration over the live value: the configuration wins on every leaf."""
    if config is MISSING:
        return copy.deepcopy(live)
    kind = _kind(schema, config)
    if live is MISSING or _kind(schema, live) != kind or kind in ("scalar", "atomic"):
        return copy.deepcopy(config)
    if not live and not config:
        return copy.deepcopy(config)
    if kind == "map":
        merged = copy.deepcopy(live)
        for name, value in config.items():
            sub, _ = _child(schema, name)
            sub = None if sub is _UNDECLARED else sub
            merged[name] = merge(sub, live.get(name, MISSING), value)
        return merged
    return _merge_items(schema, kind, live, config)


def _merge_items(schema: Schema, kind: str, live: list[Any], config: list[Any]) -> list[Any]:
    """Configured items in their order; live-only items stay where they were among them."""
    lefts = _indexed(schema, kind, live)
    rights = _indexed(schema, kind, config)
    left_order, right_order = list(lefts), list(rights)
    merged: list[Any] = []
    i = j = 0
    while i < len(left_order) or j < len(right_order):
        if i < len(left_order) and left_order[i] not in rights:
            merged.append(copy.deepcopy(lefts[left_order[i]]))
            i += 1
        elif j < len(right_order):
            element = right_order[j]
            merged.append(merge(_items(schema), lefts.get(element, MISSING), rights[element]))
            j += 1
        else:
            i += 1  # a shared item, already merged in the configuration's order
    return merged


def remove(schema: Schema, value: Any, members: set[Path]) -> Any:
    """``value`` without the given members; a map or list they empty goes too."""
    prefixes = {member[:cut] for member in members for cut in range(1, len(member))}
    return _remove(schema, value, (), members, prefixes)


def _remove(schema: Schema, value: Any, path: Path, members: set[Path], prefixes: set[Path]) -> Any:
    kind = _kind(schema, value)
    if kind == "map":
        kept: dict[str, Any] = {}
        for name, child in value.items():
            here = (*path, fieldpath.field(name))
            if here in members:
                continue
            sub, _ = _child(schema, name)
            rest = child
            if here in prefixes and sub is not _UNDECLARED:
                rest = _remove(sub, child, here, members, prefixes)
                if rest in ({}, []):
                    continue  # emptied: null, which the server then drops
            kept[name] = rest
        return kept
    if kind in ("set", "listmap"):
        items = []
        for item in value:
            here = (*path, _element(schema, kind, item))
            if here in members:
                continue
            items.append(
                _remove(_items(schema), item, here, members, prefixes) if here in prefixes else item
            )
        return items
    return value
