"""The CEL type of a schema node and its size bounds (apiserver's ``common.SchemaDeclType``).

Cost estimation needs, for every list, map and string a rule can reach, the largest size it can
have. A bound declared in the schema wins (``maxItems``, ``maxProperties``, ``maxLength`` times 4
because a character may take 4 bytes in UTF-8); otherwise the estimate is how many of the smallest
possible elements fit in the largest request the API server accepts (3 MiB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: ``apiservercel.DefaultMaxRequestSizeBytes``.
MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024
#: Serialized sizes of formatted strings, as the API server assumes them.
MAX_DURATION_SIZE_JSON = 32
JSON_DATE_SIZE = 12
MIN_DATETIME_SIZE_JSON = 22
MAX_DATETIME_SIZE_JSON = 37
MIN_DURATION_SIZE_JSON = 4

#: CEL's reserved words (apiserver's ``celReservedSymbols``, the same words as cel-go's parser's
#: ``reservedIds``): a property with one of these names is reachable only as ``__name__``, and
#: an identifier with one of them does not parse.
RESERVED = frozenset(
    [
        "true",
        "false",
        "null",
        "in",
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ]
)


_ESCAPABLE = re.compile(r"^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$")


@dataclass
class DeclType:
    """``kind`` is a CEL type name: object, map, list, string, bytes, int, uint, double, bool,
    timestamp, duration, null_type, type or dyn."""

    kind: str
    max_elements: int = 0
    min_size: int = 1
    fields: dict[str, DeclType] = field(default_factory=dict)
    elem: DeclType | None = None
    key: DeclType | None = None

    def name(self) -> str:
        """As cel-go prints a type in its errors."""
        if self.kind == "list":
            return f"list({self.elem.name() if self.elem else 'dyn'})"
        if self.kind == "map":
            return f"map(string, {self.elem.name() if self.elem else 'dyn'})"
        if self.kind == "object":
            return "object"
        return self.kind


DYN = DeclType("dyn")
#: Map keys: a plain string type, which carries no size bound of its own.
STRING_KEY = DeclType("string", min_size=2)


def decl_type(s: dict[str, Any], resource_root: bool) -> DeclType | None:
    """None where the schema is not exposed to CEL (e.g. an array without items)."""
    if s.get("x-kubernetes-int-or-string"):
        return DeclType("dyn", max_elements=MAX_REQUEST_SIZE_BYTES - 2, min_size=1)
    if resource_root:
        s = with_type_and_object_meta(s)
    kind = s.get("type", "")
    if kind == "array":
        if not isinstance(s.get("items"), dict):
            return None
        items = decl_type(s["items"], bool(s["items"].get("x-kubernetes-embedded-resource")))
        if items is None:
            return None
        bound = s.get("maxItems")
        count = max(bound, 0) if bound is not None else _items_per_request(items.min_size)
        return DeclType("list", max_elements=count, min_size=2, elem=items)
    if kind == "object":
        additional = s.get("additionalProperties")
        if isinstance(additional, dict):
            values = decl_type(additional, bool(additional.get("x-kubernetes-embedded-resource")))
            if values is None:
                return None
            bound = s.get("maxProperties")
            count = max(bound, 0) if bound is not None else _properties_per_request(values.min_size)
            return DeclType("map", max_elements=count, min_size=2, elem=values, key=STRING_KEY)
        return _object(s)
    if kind == "string":
        return _string(s)
    return {
        "boolean": DeclType("bool", min_size=4),
        "number": DeclType("double"),
        "integer": DeclType("int"),
    }.get(kind)


def _object(s: dict[str, Any]) -> DeclType:
    required = set(s.get("required") or [])
    fields: dict[str, DeclType] = {}
    min_size = 2
    for name, prop in (s.get("properties") or {}).items():
        sub = decl_type(prop, bool(prop.get("x-kubernetes-embedded-resource")))
        if sub is None:
            continue
        escaped = escape(name)
        if escaped is not None:
            fields[escaped] = sub
        if name in required and "default" not in prop:
            min_size += len(name) + sub.min_size + 4
    return DeclType("object", min_size=min_size, fields=fields)


def _string(s: dict[str, Any]) -> DeclType:
    fmt = s.get("format", "")
    unbounded = _string_length_per_request(fmt)
    if fmt == "byte":
        bound = s.get("maxLength")
        return DeclType("bytes", max(bound, 0) if bound is not None else unbounded, min_size=2)
    if fmt == "duration":
        return DeclType("duration", unbounded, min_size=MIN_DURATION_SIZE_JSON)
    if fmt == "date":
        return DeclType("timestamp", unbounded, min_size=JSON_DATE_SIZE)
    if fmt == "date-time":
        return DeclType("timestamp", unbounded, min_size=MIN_DATETIME_SIZE_JSON)
    bound = s.get("maxLength")
    return DeclType("string", max(bound, 0) * 4 if bound is not None else unbounded, min_size=2)


def _string_length_per_request(fmt: str) -> int:
    return {
        "duration": MAX_DURATION_SIZE_JSON,
        "date": JSON_DATE_SIZE,
        "date-time": MAX_DATETIME_SIZE_JSON,
    }.get(fmt, MAX_REQUEST_SIZE_BYTES - 2)


def _items_per_request(min_size: int) -> int:
    return (MAX_REQUEST_SIZE_BYTES - 2) // (min_size + 1)


def _properties_per_request(min_size: int) -> int:
    return (MAX_REQUEST_SIZE_BYTES - 2) // (min_size + 6)


def max_cardinality(min_size: int) -> int:
    """How often a node of this smallest size can occur in one request (``MaxCardinality``)."""
    return MAX_REQUEST_SIZE_BYTES // (min_size + 1)


def escape(name: str) -> str | None:
    """A property's name in CEL (``apiservercel.Escape``); None if it cannot be reached."""
    if name in RESERVED:
        return f"__{name}__"
    if not _ESCAPABLE.match(name):
        return None
    for plain, escaped in (
        ("__", "__underscores__"),
        (".", "__dot__"),
        ("-", "__dash__"),
        ("/", "__slash__"),
    ):
        name = name.replace(plain, escaped)
    return name


def with_type_and_object_meta(s: dict[str, Any]) -> dict[str, Any]:
    """``apiVersion``, ``kind``, ``metadata.name`` and ``metadata.generateName`` are always
    visible at a resource's root, declared or not (``WithTypeAndObjectMeta``: a schema that
    already declares all four as strings is kept as it is)."""
    properties = dict(s.get("properties") or {})
    meta = properties.get("metadata") or {}
    meta_properties = meta.get("properties") or {}
    if (
        (properties.get("kind") or {}).get("type") == "string"
        and (properties.get("apiVersion") or {}).get("type") == "string"
        and meta.get("type") == "object"
        and (meta_properties.get("name") or {}).get("type") == "string"
        and (meta_properties.get("generateName") or {}).get("type") == "string"
    ):
        return s
    properties["kind"] = {"type": "string"}
    properties["apiVersion"] = {"type": "string"}
    properties["metadata"] = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "generateName": {"type": "string"}},
    }
    return {**s, "properties": properties}
