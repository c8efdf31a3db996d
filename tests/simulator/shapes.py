"""Compare two JSON bodies by shape: the same keys and value types, not the same values.

``None`` matches any type (a field that is null in one capture holds a value in another).
Lists compare every element with the sample element that has the same keys (links come in
kinds), else with the first. Objects whose keys are data, not schema (``metadata``,
``addresses`` ...), compare values only.
"""

from __future__ import annotations

from typing import Any

#: Keys whose object values have data-dependent keys.
MAPS = frozenset({"metadata", "addresses", "extra_specs", "properties", "scheduler_hints", "meta"})


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return type(value).__name__


def _closest(candidates: list[Any], item: Any) -> Any:
    if isinstance(item, dict):
        for candidate in candidates:
            if isinstance(candidate, dict) and candidate.keys() == item.keys():
                return candidate
    return candidates[0]


def shape_diff(
    sample: Any, actual: Any, path: str = "$", *, maps: frozenset[str] = MAPS
) -> list[str]:
    """Differences as readable lines; empty when the shapes agree."""
    if sample is None or actual is None:
        return []
    if _kind(sample) != _kind(actual):
        return [f"{path}: {_kind(sample)} in the sample, {_kind(actual)} here"]
    if isinstance(sample, list):
        if not sample or not actual:
            return []
        return [
            line
            for item in actual
            for line in shape_diff(_closest(sample, item), item, f"{path}[]", maps=maps)
        ]
    if not isinstance(sample, dict):
        return []
    if path.rsplit(".", 1)[-1] in maps or path in maps:
        if not sample or not actual:
            return []
        first = next(iter(sample.values()))
        return [
            line
            for key, value in actual.items()
            for line in shape_diff(first, value, f"{path}.{key}", maps=maps)
        ]
    lines = [f"{path}.{key}: missing here" for key in sample if key not in actual]
    lines += [f"{path}.{key}: not in the sample" for key in actual if key not in sample]
    for key in sample.keys() & actual.keys():
        lines += shape_diff(sample[key], actual[key], f"{path}.{key}", maps=maps)
    return lines
