"""Helpers that write a constraint as a CEL rule (``x-kubernetes-validations``) for the API server,
beside the pydantic validator that enforces the same constraint in the operator."""

from __future__ import annotations

from pydantic import (
    BaseModel,
)
from pydantic.config import JsonDict


def cel(rule: str, message: str, field_path: str | None = None) -> JsonDict:
    """One ``x-kubernetes-validations`` entry. ``fieldPath`` makes the API server's error name
    the field instead of the object holding the rule (Kubernetes 1.28+)."""
    entry: JsonDict = {"rule": rule, "message": message}
    if field_path is not None:
        entry["fieldPath"] = field_path
    return entry


def exactly_one(*fields: str) -> str:
    """The CEL form of "exactly one of these optional fields is set"."""
    return "[" + ", ".join(f"has(self.{f})" for f in fields) + "].filter(x, x).size() == 1"


#: CEL's reserved words: a property so named is reached as ``self.__<word>__`` (Kubernetes'
#: escaping of property names in CEL).
_RESERVED = frozenset(
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


def cel_field(name: str) -> str:
    """A spec property's name as a CEL rule must spell it (``import`` is ``__import__``)."""
    return f"__{name}__" if name in _RESERVED else name


def immutable(field: str) -> JsonDict:
    """A spec-level transition rule: the field may be neither changed nor added nor removed.

    A rule on the field itself would miss adding or removing an optional field, because the API
    server runs transition rules only where both the old and the new object have the field.
    """
    name = cel_field(field)
    rule = (
        f"has(self.{name}) == has(oldSelf.{name})"
        f" && (!has(self.{name}) || self.{name} == oldSelf.{name})"
    )
    return cel(rule, f"{field} is immutable: create a new Instance to change it", f".{field}")


def required_unless(field: str, other: str) -> JsonDict:
    """A spec-level rule: ``field`` must be set unless ``other`` is; the API server's error names
    ``field`` as a missing one ("Required value")."""
    rule = cel(
        f"has(self.{cel_field(other)}) || has(self.{cel_field(field)})",
        f"{field} is required, unless {other} is set",
        f".{field}",
    )
    rule["reason"] = "FieldValueRequired"
    return rule


def _one_of(model: BaseModel, kind: str, *fields: str) -> None:
    given = [f for f in fields if getattr(model, f) is not None]
    if len(given) != 1:
        names = " or ".join(_wire_name(type(model), f) for f in fields)
        raise ValueError(f"{kind}: set exactly one of {names}")


def _wire_name(model: type[BaseModel], field: str) -> str:
    info = model.model_fields[field]
    return info.alias or field
