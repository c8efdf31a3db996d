"""Defaults must validate against their own schema and survive pruning unchanged
(apiextensions' ``defaulting.ValidateDefaults``).

A default is applied to objects the API server then stores without validating the default again,
so a default with an unknown field (that pruning would silently drop) or a value the schema
refuses is refused when the CRD is written. ``additionalProperties`` is not followed: defaults are
forbidden there (see :mod:`openapi`).
"""

from __future__ import annotations

import copy
from typing import Any

from instance_operator.kubeapi import schema as structural
from instance_operator.kubeapi.crd_validation.fields import Cause, Path, invalid

# ``structural`` is imported as a module: it imports the CEL runtime, which imports this package
# (for ``cel_types``), so its names are looked up when a default is checked, not at import.


def validate_defaults(path: Path, schema: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    if "default" in schema:
        value = schema["default"]
        where = path.child("default")
        if isinstance(value, dict):
            pruned = copy.deepcopy(value)
            structural.StructuralSchema(schema).prune(pruned)
            if pruned != value:
                causes.append(invalid(where, value, "must not have unknown fields"))
        for cause in structural.StructuralSchema(schema).validate(copy.deepcopy(value)):
            field = f"{where}.{cause['field']}" if cause["field"] else str(where)
            causes.append({**cause, "field": field})
    if isinstance(schema.get("items"), dict):
        causes += validate_defaults(path.child("items"), schema["items"])
    for name, sub in (schema.get("properties") or {}).items():
        causes += validate_defaults(path.child("properties").key(name), sub)
    return causes
