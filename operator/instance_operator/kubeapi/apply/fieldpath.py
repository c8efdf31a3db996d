"""Field paths and sets of them, in the wire form of ``FieldsV1``.

A path is a tuple of elements, each written as its ``FieldsV1`` key: ``f:spec`` (a field),
``k:{"name":"a"}`` (a map-list item by its keys), ``v:"x"`` (a set item by value) and ``i:0`` (a
list item by position). A set holds only *members*: the fields that are set (leaves, map
entries, list items, atomic values); a member with members below it is written with a ``.``
entry in ``FieldsV1``, as the API server writes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

Path = tuple[str, ...]
Fields = frozenset[Path]

_MEMBER = "."


def field(name: str) -> str:
    return f"f:{name}"


def key(keys: dict[str, Any]) -> str:
    """A map-list item: its key fields as JSON, sorted by name like Go's ``json.Marshal``."""
    return "k:" + _json({name: keys[name] for name in sorted(keys)})


def value(item: Any) -> str:
    return "v:" + _json(item)


def _json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def encode(paths: Iterable[Path]) -> dict[str, Any]:
    """The ``fieldsV1`` tree of a set."""
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
        node.setdefault(_MEMBER, {})
    return _drop_lone_markers(tree)


def _drop_lone_markers(node: dict[str, Any]) -> dict[str, Any]:
    """A member without children is ``{}``; the ``.`` marker stays only beside children."""
    children = {name: _drop_lone_markers(child) for name, child in node.items() if name != _MEMBER}
    if children and _MEMBER in node:
        return {_MEMBER: {}, **children}
    return children


def decode(tree: Any) -> Fields:
    """The set a ``fieldsV1`` tree holds; ``ValueError`` for anything the API server cannot parse."""
    if not isinstance(tree, dict):
        raise ValueError("FieldsV1 must be a JSON object")
    paths: set[Path] = set()
    _decode(tree, (), paths)
    return frozenset(paths)


def _decode(node: dict[str, Any], prefix: Path, paths: set[Path]) -> None:
    for name, child in node.items():
        if name == _MEMBER:
            if prefix:
                paths.add(prefix)
            continue
        _check_element(name)
        if not isinstance(child, dict):
            raise ValueError(f"expected an object for {name!r}")
        path = (*prefix, name)
        if not child:
            paths.add(path)
        else:
            _decode(child, path, paths)


def _check_element(element: str) -> None:
    kind, _, rest = element.partition(":")
    if kind == "f" and rest:
        return
    if kind == "i" and rest.lstrip("-").isdigit():
        return
    if kind in ("k", "v"):
        try:
            parsed = json.loads(rest)
        except ValueError as error:
            raise ValueError(f"invalid path element {element!r}: {error}") from error
        if kind == "v" or isinstance(parsed, dict):
            return
    raise ValueError(f"unknown path element {element!r}")


def describe(path: Path) -> str:
    """A path as the API server prints it in conflicts: ``.spec.ports[name="http"].port``."""
    text = ""
    for element in path:
        kind, _, rest = element.partition(":")
        if kind == "f":
            text += "." + rest
        elif kind == "k":
            keys = json.loads(rest)
            text += "[" + ",".join(f"{name}={_json(keys[name])}" for name in keys) + "]"
        elif kind == "v":
            text += f"[={rest}]"
        else:
            text += f"[{rest}]"
    return text


def without(
    paths: Iterable[Path], exact: Iterable[Path] = (), under: Iterable[Path] = ()
) -> Fields:
    """``paths`` less the ``exact`` ones and every path at or below one of ``under``."""
    exact_set = set(exact)
    prefixes = tuple(under)
    return frozenset(
        path
        for path in paths
        if path not in exact_set and not any(path[: len(prefix)] == prefix for prefix in prefixes)
    )
