"""Costs of the extension functions CRD rules may call (apiserver's ``library.CostEstimator``
and cel-go's string extensions): what they cost beyond their arguments, and how large their
result can be. Functions not listed here cost 1, as in cel-go.
"""

from __future__ import annotations

import math

from instance_operator.kubeapi.crd_validation.cel_types import DYN, DeclType

UNBOUNDED = 2**64 - 1
STRING_TRAVERSAL = 0.1
REGEX_LENGTH = 0.25

#: (type, cost of the call itself, largest size of the result or None)
Estimate = tuple[DeclType, int, int | None]

_STRING = DeclType("string")
_STRINGS = DeclType("list", elem=_STRING)


def ceil_factor(size: int, per_unit: float) -> int:
    """cel-go's ``multiplyByCostFactor``: float arithmetic, rounded up, saturating."""
    scaled = math.ceil(float(size) * per_unit)
    return UNBOUNDED if scaled >= 2**64 else scaled


def estimate(
    fn: str,
    has_target: bool,
    sizes: list[int],
    kinds: list[str],
    elem: DeclType | None,
) -> Estimate | None:
    """``sizes`` and ``kinds`` are the target's (if any) followed by the arguments'; ``elem`` is
    the element type of a list target."""
    if not has_target:
        if fn == "url" and len(sizes) == 1:
            return DYN, ceil_factor(sizes[0], STRING_TRAVERSAL), None
        return None
    size = sizes[0]
    args = sizes[1:]
    if fn in ("lowerAscii", "upperAscii", "substring", "trim") and kinds[0] == "string":
        return _STRING, ceil_factor(size, STRING_TRAVERSAL), size
    if fn == "replace" and len(args) >= 2:
        # Worst case: every position replaced by the longest replacement.
        result = min((size + 1) * args[1] + size, UNBOUNDED)
        return _STRING, ceil_factor(size, 2 * STRING_TRAVERSAL), result
    if fn == "split":
        return _STRINGS, ceil_factor(size, 2 * STRING_TRAVERSAL), size
    if fn == "join" and kinds[0] == "list":
        items = min(size * (elem.max_elements if elem else UNBOUNDED), UNBOUNDED)
        separators = min(args[0] * max(size - 1, 0), UNBOUNDED) if args else 0
        result = min(items + separators, UNBOUNDED)
        return _STRING, ceil_factor(result, STRING_TRAVERSAL), result
    if fn in ("find", "findAll") and args:
        strings = ceil_factor(size + 1, STRING_TRAVERSAL)
        cost = min(strings * ceil_factor(args[0], REGEX_LENGTH), UNBOUNDED)
        return (_STRING if fn == "find" else _STRINGS), cost, size
    if fn in ("isSorted", "sum", "max", "min", "indexOf", "lastIndexOf"):
        if kinds[0] == "list":
            per_item = 1
            if elem is not None and elem.kind in ("string", "bytes"):
                per_item += ceil_factor(elem.max_elements, STRING_TRAVERSAL)
            return DYN, min(size * per_item, UNBOUNDED), None
        return DYN, ceil_factor(size, STRING_TRAVERSAL), None
    if fn in ("cidr", "isIP", "isCIDR", "ip", "quantity", "isQuantity") and args:
        return DYN, ceil_factor(args[0], STRING_TRAVERSAL), None
    if fn == "format" and args:
        return _STRING, ceil_factor(size, STRING_TRAVERSAL), min(size + args[0], UNBOUNDED)
    return None
