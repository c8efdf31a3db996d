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


def immutable(field: str) -> JsonDict:
    """A spec-level transition rule: the field may be neither changed nor added nor removed.

    A rule on the field itself would miss adding or removing an optional field, because the API
    server runs transition rules only where both the old and the new object have the field.
    """
    rule = (
        f"has(self.{field}) == has(oldSelf.{field})"
        f" && (!has(self.{field}) || self.{field} == oldSelf.{field})"
    )
    return cel(rule, f"{field} is immutable: create a new Instance to change it", f".{field}")


def _one_of(model: BaseModel, kind: str, *fields: str) -> None:
    given = [f for f in fields if getattr(model, f) is not None]
    if len(given) != 1:
        names = " or ".join(_wire_name(type(model), f) for f in fields)
        raise ValueError(f"{kind}: set exactly one of {names}")


def _wire_name(model: type[BaseModel], field: str) -> str:
    info = model.model_fields[field]
    return info.alias or field
