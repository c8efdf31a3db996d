"""Just enough ``/openapi/v3`` for kubectl to validate on the server side.

kubectl validates by default; it looks in ``/openapi/v3`` for a PATCH operation of the object's
group-version-kind that accepts ``fieldValidation``, and if found, sends
``fieldValidation=Strict`` instead of validating locally against ``/openapi/v2`` (not served).
The documents therefore list each resource's PATCH operation and, for custom resources, the
schema, so ``kubectl explain`` works too.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.resources import Catalog, ResourceType


def _path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def root(catalog: Catalog) -> dict[str, Any]:
    versions = [("", "v1")] + [
        (group, v) for group, found in catalog.groups().items() for v in found
    ]
    return {
        "paths": {
            _path(g, v): {"serverRelativeURL": f"/openapi/v3/{_path(g, v)}"} for g, v in versions
        }
    }


def group_version(catalog: Catalog, group: str, version: str) -> dict[str, Any]:
    rtypes = catalog.resources(group, version)
    if not rtypes:
        raise errors.no_such_path()
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for rtype in rtypes:
        gvk = {"group": rtype.group, "version": rtype.version, "kind": rtype.kind}
        scope = "namespaces/{namespace}/" if rtype.namespaced else ""
        paths[f"/{_path(group, version)}/{scope}{rtype.plural}/{{name}}"] = {
            "patch": {
                "x-kubernetes-group-version-kind": gvk,
                "x-kubernetes-action": "patch",
                "parameters": [
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "OK"}},
            }
        }
        if rtype.schema is not None:
            schemas[_schema_name(rtype)] = {
                **rtype.schema.schema,
                "x-kubernetes-group-version-kind": [gvk],
            }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.31.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _schema_name(rtype: ResourceType) -> str:
    """``dev.example.tests.v1.Widget``: reversed group, as the API server names CRD schemas."""
    return ".".join([*reversed(rtype.group.split(".")), rtype.version, rtype.kind])
