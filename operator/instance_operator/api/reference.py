"""The API reference (docs/api.md), rendered from the same schema as the CRD.

It walks the CRD's openAPIV3Schema rather than the pydantic models, so the page shows exactly
what the API server enforces: types, limits, patterns, defaults, and the CEL rules with their
messages. ``make crds`` regenerates it; a test fails when the checked-in page is stale.
"""

from __future__ import annotations

from typing import Any

from instance_operator.api import names
from instance_operator.api.crd import PRINTER_COLUMNS, instance_crd

JsonSchema = dict[str, Any]


def _type(node: JsonSchema) -> str:
    kind = node.get("type", "")
    if kind == "array":
        return f"list of {_type(node['items'])}"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f"map of {_type(node['additionalProperties'])}"
    if node.get("format") == "date-time":
        return "timestamp"
    return str(kind)


def _constraints(node: JsonSchema) -> str:
    found = []
    if "enum" in node:
        found.append("one of " + ", ".join(f"`{v}`" for v in node["enum"]))
    if "default" in node:
        default = node["default"]
        found.append(f"default `{default}`" if default != "" else 'default `""`')
    for key, label in (
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("maxItems", "max items"),
        ("maxProperties", "max entries"),
    ):
        if key in node:
            found.append(f"{label} {node[key]}")
    if "pattern" in node:
        found.append(f"pattern `{node['pattern']}`")
    for key in ("items", "additionalProperties"):
        inner = node.get(key)
        if isinstance(inner, dict) and inner.get("type") not in ("object", "array"):
            nested = _constraints(inner)
            if nested:
                found.append(f"each: {nested}")
    if node.get("x-kubernetes-list-type") == "set":
        found.append("unique")
    return "; ".join(found)


def _rows(node: JsonSchema, path: str, required: bool) -> list[str]:
    rows = [
        f"| `{path}` | {_type(node)} | {'yes' if required else ''} | {_cell(node.get('description', ''))} | {_cell(_constraints(node))} |"
    ]
    children = node.get("properties")
    if children is None and node.get("type") == "array":
        children = node["items"].get("properties")
        path += "[]"
        needed = set(node["items"].get("required", []))
    else:
        needed = set(node.get("required", []))
    for name, child in (children or {}).items():
        rows += _rows(child, f"{path}.{name}", name in needed)
    return rows


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rules(node: JsonSchema, path: str) -> list[str]:
    out = [
        f"| `{path}` | `{_cell(r['rule'])}` | {_cell(r['message'])} |"
        for r in node.get("x-kubernetes-validations", [])
    ]
    if node.get("type") == "array":
        out += _rules(node["items"], f"{path}[]")
    for name, child in (node.get("properties") or {}).items():
        out += _rules(child, f"{path}.{name}")
    if isinstance(node.get("additionalProperties"), dict):
        out += _rules(node["additionalProperties"], f"{path}{{}}")
    return out


def render() -> str:
    version = instance_crd()["spec"]["versions"][0]
    schema = version["schema"]["openAPIV3Schema"]
    header = (
        "| field | type | required | description | constraints |\n| --- | --- | --- | --- | --- |"
    )
    lines = [
        "<!-- Generated from operator/instance_operator/api/models/ by `make crds`; do not edit. -->",
        f"# API reference: `{names.KIND}` ({names.API_VERSION})",
        "",
        f"Namespaced; short name `{names.SHORT_NAMES[0]}`; category `{names.CATEGORIES[0]}`; with a `status`",
        "subresource. Every field below is also shown by `kubectl explain instance.<path>`.",
        "",
        "## spec",
        "",
        header,
        *_rows(schema["properties"]["spec"], "spec", True)[1:],
        "",
        "## Validation rules",
        "",
        "Enforced by the API server (CEL, Kubernetes 1.29 or newer), and again by the operator.",
        "",
        "| on | rule | message |",
        "| --- | --- | --- |",
        *_rules(schema["properties"]["spec"], "spec"),
        "",
        "## status",
        "",
        "Written by the operator only.",
        "",
        header,
        *_rows(schema["properties"]["status"], "status", False)[1:],
        "",
        "## Printer columns",
        "",
        "| column | JSONPath | meaning |",
        "| --- | --- | --- |",
        *(
            f"| {name}{' (`-o wide`)' if priority else ''} | `{path}` | {description} |"
            for name, _, path, description, priority in PRINTER_COLUMNS
        ),
        "",
        "## Annotations",
        "",
        "| annotation | action |",
        "| --- | --- |",
        *(
            f"| `{a.annotation}` | {a.value}; result in `status.actions.{a.status_key}` |"
            for a in names.Action
        ),
        f'| `{names.DELETION_PROTECTION}` | `"true"` keeps the Instance from being deleted'
        " (see docs/deletion.md) |",
        "",
    ]
    return "\n".join(lines)
