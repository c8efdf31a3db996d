"""The CEL functions Kubernetes adds to validation rules that cel-python lacks.

Kubernetes compiles CRD rules with cel-go's strings extension, its own lists and regex
libraries and the optional type (for ``optionalOldSelf``). cel-python has the standard library
only; this module supplies the common part of the rest, with the same names and meaning, and
the two value kinds Kubernetes' type model needs: an optional, and a list that compares
without order (``x-kubernetes-list-type: set`` or ``map``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from celpy import celtypes


class Optional:
    """``oldSelf`` under ``optionalOldSelf: true``: a value, or none on create."""

    def __init__(self, value: Any) -> None:
        self.value = value


class UnorderedList(celtypes.ListType):
    """A set or map list: equal to another list holding the same items in any order."""

    def __eq__(self, other: Any) -> Any:
        if not isinstance(other, list) or len(other) != len(self):
            return celtypes.BoolType(False)
        remaining = list(other)
        for item in self:
            for index, candidate in enumerate(remaining):
                if _same(item, candidate):
                    del remaining[index]
                    break
            else:
                return celtypes.BoolType(False)
        return celtypes.BoolType(True)

    def __ne__(self, other: Any) -> Any:
        return celtypes.BoolType(not self.__eq__(other))

    __hash__ = None  # type: ignore[assignment]


def _same(left: Any, right: Any) -> bool:
    try:
        return bool(left == right)
    except TypeError:
        return False


def _has_value(optional: Optional) -> celtypes.BoolType:
    return celtypes.BoolType(optional.value is not None)


def _value(optional: Optional) -> Any:
    if optional.value is None:
        raise ValueError("optional.none() dereference")
    return optional.value


def _or_value(optional: Optional, default: Any) -> Any:
    return default if optional.value is None else optional.value


def _index_of(target: Any, item: Any, start: Any = 0) -> celtypes.IntType:
    if isinstance(target, str):
        return celtypes.IntType(target.find(item, int(start)))
    for index, candidate in enumerate(target):
        if _same(candidate, item):
            return celtypes.IntType(index)
    return celtypes.IntType(-1)


def _last_index_of(target: Any, item: Any) -> celtypes.IntType:
    if isinstance(target, str):
        return celtypes.IntType(target.rfind(item))
    for index in range(len(target) - 1, -1, -1):
        if _same(target[index], item):
            return celtypes.IntType(index)
    return celtypes.IntType(-1)


def _split(text: str, separator: str, limit: Any = -1) -> celtypes.ListType:
    limit = int(limit)
    if limit == 0:
        return celtypes.ListType()
    parts = text.split(separator, limit - 1) if limit > 0 else text.split(separator)
    return celtypes.ListType(celtypes.StringType(part) for part in parts)


def _replace(text: str, old: str, new: str, limit: Any = -1) -> celtypes.StringType:
    return celtypes.StringType(text.replace(old, new, int(limit)))


def _substring(text: str, start: Any, end: Any = None) -> celtypes.StringType:
    return celtypes.StringType(text[int(start) : None if end is None else int(end)])


def _join(items: list[str], separator: str = "") -> celtypes.StringType:
    return celtypes.StringType(separator.join(items))


def _is_sorted(items: list[Any]) -> celtypes.BoolType:
    return celtypes.BoolType(all(a <= b for a, b in itertools.pairwise(items)))


def _sum(items: list[Any]) -> Any:
    if not items:
        return celtypes.IntType(0)
    total = items[0]
    for item in items[1:]:
        total = total + item
    return total


def _find(text: str, pattern: str) -> celtypes.StringType:
    match = re.search(pattern, text)
    return celtypes.StringType(match.group(0) if match else "")


def _find_all(text: str, pattern: str, limit: Any = -1) -> celtypes.ListType:
    found = [celtypes.StringType(m.group(0)) for m in re.finditer(pattern, text)]
    return celtypes.ListType(found if int(limit) < 0 else found[: int(limit)])


LIBRARY: dict[str, Callable[..., Any]] = {
    # the optional type
    "hasValue": _has_value,
    "value": _value,
    "orValue": _or_value,
    # cel-go strings extension
    "charAt": lambda text, index: celtypes.StringType(text[int(index) : int(index) + 1]),
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": lambda text: celtypes.StringType(text.lower()),
    "upperAscii": lambda text: celtypes.StringType(text.upper()),
    "replace": _replace,
    "split": _split,
    "substring": _substring,
    "trim": lambda text: celtypes.StringType(text.strip()),
    "join": _join,
    # Kubernetes lists library
    "isSorted": _is_sorted,
    "sum": _sum,
    "min": min,
    "max": max,
    # Kubernetes regex library
    "find": _find,
    "findAll": _find_all,
}
