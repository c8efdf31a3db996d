"""Field paths and field errors worded as the API server's ``field.Error`` renders them.

A cause's ``message`` is the error body (``Forbidden: ...``, ``Required value: ...``, ``Invalid
value: "x": ...``) and its ``field`` the path, with map keys in brackets
(``properties[metadata]``) and list indexes as ``[0]``. Values are printed as Go prints them:
strings quoted, numbers and booleans bare, everything else in Go's ``%#v`` form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Cause = dict[str, str]


@dataclass(frozen=True)
class Path:
    """A field path, built like ``field.Path``: ``child`` adds ``.name``, ``key`` ``[name]``."""

    text: str

    def child(self, *names: str) -> Path:
        return Path(".".join([self.text, *names]) if self.text else ".".join(names))

    def key(self, name: str) -> Path:
        return Path(f"{self.text}[{name}]")

    def index(self, number: int) -> Path:
        return Path(f"{self.text}[{number}]")

    def __str__(self) -> str:
        return self.text


def go_value(value: Any) -> str:
    """``%v`` for scalars, ``%q`` for strings, ``%#v`` for the rest, as ``field.Error`` does."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_syntax(value)


def _go_float(value: float) -> str:
    """Go's ``%v`` of a float64: the shortest form, without a trailing ``.0``."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)


def go_quote(text: str) -> str:
    """Go's ``%q``: JSON's escaping is the same for the characters that matter here."""
    return json.dumps(text, ensure_ascii=False)


def go_syntax(value: Any) -> str:
    """Go's ``%#v`` of the value decoded from JSON (``[]interface {}``, ``map[string]interface {}``)."""
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return "[]string{" + ", ".join(go_quote(item) for item in value) + "}"
        return "[]interface {}{" + ", ".join(_interface(item) for item in value) + "}"
    if isinstance(value, dict):
        items = ", ".join(f"{go_quote(k)}:{_interface(v)}" for k, v in sorted(value.items()))
        return "map[string]interface {}{" + items + "}"
    return go_value(value)


def _interface(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if value is None:
        return "interface {}(nil)"
    return go_syntax(value)


def required(path: Path, detail: str = "") -> Cause:
    return _cause("FieldValueRequired", path, "Required value", detail)


def forbidden(path: Path, detail: str) -> Cause:
    return _cause("FieldValueForbidden", path, "Forbidden", detail)


def invalid(path: Path, value: Any, detail: str, rendered: str | None = None) -> Cause:
    shown = rendered if rendered is not None else go_value(value)
    return _cause("FieldValueInvalid", path, f"Invalid value: {shown}", detail)


def not_supported(path: Path, value: str, supported: list[str]) -> Cause:
    listed = ", ".join(go_quote(s) for s in supported)
    return _cause(
        "FieldValueNotSupported",
        path,
        f"Unsupported value: {go_quote(value)}",
        f"supported values: {listed}",
    )


def _cause(reason: str, path: Path, body: str, detail: str) -> Cause:
    message = f"{body}: {detail}" if detail else body
    return {"reason": reason, "message": message, "field": str(path)}
