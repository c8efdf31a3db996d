"""Generate the Instance CustomResourceDefinition from the pydantic models.

Pydantic emits JSON Schema; the API server wants a *structural* OpenAPI v3 schema: no ``$ref``,
no ``anyOf`` for optional fields, no ``additionalProperties: false`` beside ``properties``, no
``title``.
The conversion is here, so the models stay plain pydantic.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from instance_operator.api import names
from instance_operator.api.models import InstanceSpec, InstanceStatus

JsonSchema = dict[str, Any]

PRINTER_COLUMNS = [
    (
        "Ready",
        "string",
        '.status.conditions[?(@.type=="Ready")].status',
        "Whether the server is ACTIVE and the spec applied.",
        0,
    ),
    (
        "Reason",
        "string",
        '.status.conditions[?(@.type=="Ready")].reason',
        "Why the Instance is (not) Ready, e.g. FlavorNotFound.",
        0,
    ),
    ("Phase", "string", ".status.phase", "Summary of the server's state.", 0),
    ("Power", "string", ".status.powerState", "The hypervisor's power state.", 0),
    ("IP", "string", ".status.addresses[0].ip", "The first IP address.", 0),
    ("Flavor", "string", ".status.flavorName", "The server's flavor.", 0),
    ("Age", "date", ".metadata.creationTimestamp", "Time since the Instance was created.", 0),
    # Wide (``-o wide``) only: a 36-character ID and a sentence would push the default view past
    # a terminal's width.
    ("Server-ID", "string", ".status.serverID", "ID of the Nova server.", 1),
    (
        "Message",
        "string",
        '.status.conditions[?(@.type=="Ready")].message',
        "The Ready condition's message: what is happening or what to fix.",
        1,
    ),
]

#: JSON Schema keywords pydantic emits that a structural schema must not carry.
_DROPPED = {"title", "additionalProperties"}


def structural_schema(model: type[BaseModel]) -> JsonSchema:
    raw = model.model_json_schema(by_alias=True, mode="validation")
    definitions: dict[str, JsonSchema] = raw.pop("$defs", {})
    return _convert(raw, definitions)


def _convert(node: JsonSchema, definitions: dict[str, JsonSchema]) -> JsonSchema:
    node = _inline(node, definitions)
    out: JsonSchema = {}
    for key, value in node.items():
        if key in _DROPPED and not (key == "additionalProperties" and isinstance(value, dict)):
            continue
        if key == "default" and value is None:
            continue
        if key == "properties":
            out[key] = {name: _convert(sub, definitions) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _convert(value, definitions)
        else:
            out[key] = value
    if "enum" in out and "type" not in out:
        out["type"] = _enum_type(out["enum"])
    return _ordered(out)


_FIRST = ("description", "type", "required")


def _ordered(node: JsonSchema) -> JsonSchema:
    """Description and type first, then the rest alphabetically: a stable file people can read."""
    head = [k for k in _FIRST if k in node]
    return {k: node[k] for k in [*head, *sorted(set(node) - set(head))]}


def _inline(node: JsonSchema, definitions: dict[str, JsonSchema]) -> JsonSchema:
    """Resolve ``$ref`` and unwrap ``anyOf: [X, null]``; what the field itself says (its
    description, its default) wins over what the referenced type says."""
    node = dict(node)
    if "anyOf" in node:
        variants = [v for v in node.pop("anyOf") if v != {"type": "null"}]
        if len(variants) != 1:
            raise ValueError(f"cannot express a union in a structural schema: {variants}")
        node = {**_inline(variants[0], definitions), **node}
    if "$ref" in node:
        target = definitions[node.pop("$ref").rsplit("/", 1)[-1]]
        node = {**_inline(target, definitions), **node}
    return node


def _enum_type(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) for v in values):
        return "integer"
    return "string"


def instance_crd() -> JsonSchema:
    schema: JsonSchema = {
        "type": "object",
        "description": (
            "An OpenStack server managed by instance-operator. Imperative actions are annotations"
            " (instance-operator.dev/start, stop, reboot, hard-reboot, snapshot) whose value is a request token."
        ),
        "required": ["spec"],
        "properties": {
            "apiVersion": {
                "type": "string",
                "description": "The API version: instance-operator.dev/v1alpha1.",
            },
            "kind": {"type": "string", "description": "Instance."},
            # A real API server refuses anything but name/generateName constraints here: metadata
            # is implicitly specified, so even a description is "Forbidden".
            "metadata": {"type": "object"},
            "spec": structural_schema(InstanceSpec),
            "status": structural_schema(InstanceStatus),
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": names.CRD_NAME},
        "spec": {
            "group": names.GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": names.KIND,
                "listKind": f"{names.KIND}List",
                "plural": names.PLURAL,
                "singular": names.SINGULAR,
                "shortNames": names.SHORT_NAMES,
                "categories": names.CATEGORIES,
            },
            "versions": [
                {
                    "name": names.VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [
                        {
                            "name": name,
                            "type": kind,
                            "jsonPath": path,
                            "description": description,
                            **({"priority": priority} if priority else {}),
                        }
                        for name, kind, path, description, priority in PRINTER_COLUMNS
                    ],
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


def render_crd() -> str:
    header = (
        "# Generated from operator/instance_operator/api/models/ by `make crds`; do not edit.\n"
    )
    return header + yaml.safe_dump(instance_crd(), sort_keys=False, width=120, allow_unicode=True)
