"""CustomResourceDefinition objects: what the API server checks, defaults and serves from them."""

from __future__ import annotations

import copy
import re
from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.crd_validation import fields, validate_schemas
from instance_operator.kubeapi.crd_validation.fields import Path
from instance_operator.kubeapi.crd_validation.shape import misshapen
from instance_operator.kubeapi.metadata import now
from instance_operator.kubeapi.resources import ResourceType
from instance_operator.kubeapi.schema import StructuralSchema

CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check(crd: dict[str, Any]) -> None:
    """Reject the CRDs a real API server rejects: names, versions, and every schema rule of
    :mod:`instance_operator.kubeapi.crd_validation` (structural schema, extensions, list types,
    defaults, CEL compilation and cost). A schema that does not decode is refused before those
    rules run."""
    name = crd["metadata"]["name"]
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    causes: list[dict[str, str]] = []

    def fail(field: str, message: str, reason: str = "FieldValueInvalid") -> None:
        causes.append({"reason": reason, "message": message, "field": field})

    for field in ("plural", "kind"):
        if not names.get(field):
            fail(f"spec.names.{field}", "Required value", "FieldValueRequired")
    if names.get("plural") and not _NAME.match(names["plural"]):
        fail("spec.names.plural", f'Invalid value: "{names["plural"]}": a lowercase RFC 1123 label')
    if not spec.get("group"):
        fail("spec.group", "Required value", "FieldValueRequired")
    elif names.get("plural") and name != f"{names['plural']}.{spec['group']}":
        fail("metadata.name", f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group')
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        fail(
            "spec.scope",
            f'Unsupported value: "{spec.get("scope")}": supported values: "Cluster", "Namespaced"',
        )
    versions = spec.get("versions") or []
    if not versions:
        fail("spec.versions", "Required value", "FieldValueRequired")
    elif sum(bool(version.get("storage")) for version in versions) != 1:
        fail(
            "spec.versions",
            "Invalid value: must have exactly one version marked as storage version",
        )
    for index, version in enumerate(versions):
        causes.extend(_version_causes(index, version))
    causes.extend(_schema_causes(versions, spec))
    if causes:
        raise errors.invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, causes)


_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_COLUMN_TYPES = ("boolean", "date", "integer", "number", "string")
_COLUMN_FORMATS = ("byte", "date", "date-time", "double", "float", "int32", "int64", "password")


def _version_causes(index: int, version: dict[str, Any]) -> list[dict[str, str]]:
    """A version's name (a DNS-1035 label) and its printer columns, as the API server checks
    them: ``kubectl get`` would otherwise meet a column it cannot render."""
    where = Path("spec.versions").index(index)
    causes = []
    name = version.get("name") or ""
    if not name:
        causes.append(fields.required(where.child("name")))
    elif len(name) > 63 or not _DNS1035.match(name):
        detail = (
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start"
            " with an alphabetic character, and end with an alphanumeric character (e.g."
            " 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        )
        causes.append(fields.invalid(where.child("name"), name, detail))
    for column_index, column in enumerate(version.get("additionalPrinterColumns") or []):
        at = where.child("additionalPrinterColumns").index(column_index)
        for field in ("name", "jsonPath"):
            if not column.get(field):
                causes.append(fields.required(at.child(field)))
        for field, supported in (("type", _COLUMN_TYPES), ("format", _COLUMN_FORMATS)):
            value = column.get(field)
            if (field == "type" or value) and value not in supported:
                causes.append(fields.not_supported(at.child(field), value or "", list(supported)))
    return causes


def _schema_causes(versions: list[dict[str, Any]], spec: dict[str, Any]) -> list[dict[str, str]]:
    """A schema that does not decode cannot be walked: refuse it first."""
    causes = []
    for index, version in enumerate(versions):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if schema is None:
            continue
        where = Path(f"spec.versions[{index}].schema.openAPIV3Schema")
        found = misshapen(schema, where)
        if found is not None:
            field, detail = found
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "message": f"Invalid value: {detail}",
                    "field": str(field),
                }
            )
    if causes or not versions:
        return causes
    return validate_schemas(spec)


def default(crd: dict[str, Any]) -> None:
    """The defaults the API server fills into a CRD's names and versions."""
    spec = crd["spec"]
    names = spec["names"]
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", f"{names['kind']}List")
    spec.setdefault("conversion", {"strategy": "None"})
    for version in spec["versions"]:
        version.setdefault("served", True)


def accept(crd: dict[str, Any]) -> None:
    """Set the status the apiextensions controllers would set once the names are accepted.

    Conditions keep their first transition time, so re-applying an unchanged CRD is a no-op.
    """
    status = crd.get("status") or {}
    conditions = status.get("conditions") or [
        {
            "type": kind,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastTransitionTime": now(),
        }
        for kind, reason, message in (
            ("NamesAccepted", "NoConflicts", "no conflicts found"),
            ("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        )
    ]
    storage = [version["name"] for version in crd["spec"]["versions"] if version.get("storage")]
    crd["status"] = {
        "conditions": conditions,
        "acceptedNames": copy.deepcopy(crd["spec"]["names"]),
        "storedVersions": sorted(set(status.get("storedVersions") or []) | set(storage)),
    }


def served_types(crd: dict[str, Any]) -> list[ResourceType]:
    """One resource type per served version."""
    spec = crd["spec"]
    names = spec["names"]
    rtypes = []
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        rtypes.append(
            ResourceType(
                group=spec["group"],
                version=version["name"],
                plural=names["plural"],
                kind=names["kind"],
                namespaced=spec["scope"] == "Namespaced",
                singular=names.get("singular", ""),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                status_subresource="status" in (version.get("subresources") or {}),
                generation=True,
                custom=True,
                schema=StructuralSchema(schema) if schema is not None else None,
                crd=crd["metadata"]["name"],
                printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
            )
        )
    return rtypes
