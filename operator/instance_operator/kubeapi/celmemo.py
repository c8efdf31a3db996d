"""Remembered outcomes of CEL rules, because cel-python takes about a millisecond per evaluation.

A validation rule is a pure function of the values it reads (Kubernetes' CEL environment has no
clock or randomness), so its outcome can be remembered under those values. What a rule reads is
taken from its syntax tree once: for ``has(self.image) == has(oldSelf.image) && ...`` that is
``self.image`` and ``oldSelf.image``, so every write of an unchanged image, in any object,
reuses one evaluation. A rule that uses ``self`` or ``oldSelf`` other than to read a field
(``self.all(...)``, ``oldSelf.hasValue()``) is keyed by the whole value. A field is read by the
name CEL knows it by, so in an object ``self.__import__`` reads the property ``import`` (the
caller maps escaped names to raw ones); in a map, the key as written. Each rule remembers at
most ``SIZE`` outcomes, the least recently used leaving first.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Mapping
from typing import Any

import lark

SIZE = 4096
_VARIABLES = ("self", "oldSelf")
_ABSENT = "<absent>"

#: What a variable's value contributes to the key: the fields read, or ``None`` for all of it.
Reads = dict[str, frozenset[str] | None]


def reads(ast: lark.Tree[Any]) -> Reads:
    """The fields of ``self`` and ``oldSelf`` the expression reads, per variable it uses."""
    found: dict[str, set[str] | None] = {}

    def visit(node: Any) -> None:
        if not isinstance(node, lark.Tree):
            return
        if node.data == "member_dot":
            variable = _variable(node.children[0])
            if variable is not None:
                fields = found.setdefault(variable, set())
                if fields is not None:
                    fields.add(str(node.children[1]))
                return
        if node.data == "ident" and str(node.children[0]) in _VARIABLES:
            found[str(node.children[0])] = None
            return
        for child in node.children:
            visit(child)

    visit(ast)
    return {name: None if fields is None else frozenset(fields) for name, fields in found.items()}


def _variable(node: Any) -> str | None:
    """``self`` or ``oldSelf`` when ``node`` is just that identifier (through its wrappers)."""
    while isinstance(node, lark.Tree) and node.data in ("member", "primary"):
        if len(node.children) != 1:
            return None
        node = node.children[0]
    if isinstance(node, lark.Tree) and node.data == "ident":
        name = str(node.children[0])
        return name if name in _VARIABLES else None
    return None


def key(used: Reads, values: dict[str, Any], names: Mapping[str, str] | None = None) -> str:
    """The part of the JSON ``values`` (``self``, ``oldSelf``) the rule's outcome depends on.

    ``names`` maps the names CEL reads an object's properties by (``__import__``) to their raw
    names (``import``); a name it lacks reads nothing. Without it, names are raw map keys."""
    parts = []
    for name in sorted(used):
        value = values.get(name)
        fields = used[name]
        if fields is not None and isinstance(value, dict):
            value = {field: _read(value, field, names) for field in sorted(fields)}
        parts.append(value)
    return json.dumps(parts, sort_keys=True)


def _read(value: dict[str, Any], field: str, names: Mapping[str, str] | None) -> Any:
    raw = field if names is None else names.get(field)
    return _ABSENT if raw is None else value.get(raw, _ABSENT)


class Outcomes:
    """Bounded memory of one rule's outcomes by key."""

    def __init__(self) -> None:
        self._items: collections.OrderedDict[str, Any] = collections.OrderedDict()

    def get(self, key: str) -> Any:
        """The outcome remembered for ``key``, or ``None``."""
        outcome = self._items.get(key)
        if outcome is not None:
            self._items.move_to_end(key)
        return outcome

    def put(self, key: str, outcome: Any) -> None:
        self._items[key] = outcome
        if len(self._items) > SIZE:
            self._items.popitem(last=False)
