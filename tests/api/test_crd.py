"""The checked-in CRD is the models' output, and it is a CRD a real API server accepts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from instance_operator.api import names
from instance_operator.api.crd import instance_crd, render_crd

ROOT = Path(__file__).resolve().parents[2]


def test_chart_ships_the_checked_in_crd() -> None:
    chart_copy = ROOT / "charts" / "instance-operator" / "crds" / "instance.yaml"
    assert chart_copy.read_text() == (ROOT / "crds" / "instance.yaml").read_text(), (
        "run `make crds`"
    )


def test_cli_prints_the_checked_in_crd() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "instance_operator", "crd"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert printed == (ROOT / "crds" / "instance.yaml").read_text(), "run `make crds` and commit"
    assert printed == render_crd()


def _version() -> dict[str, Any]:
    crd = instance_crd()
    (version,) = crd["spec"]["versions"]
    return version  # type: ignore[no-any-return]


def _walk(schema: dict[str, Any], path: str = ""):  # type: ignore[no-untyped-def]
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, f"{path}.{name}")
    if "items" in schema:
        yield from _walk(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _walk(schema["additionalProperties"], f"{path}{{}}")


def test_schema_is_structural() -> None:
    """The API server refuses a CRD whose schema has refs, unions, titles, nulls or untyped nodes."""
    schema = _version()["schema"]["openAPIV3Schema"]
    for path, node in _walk(schema):
        assert "type" in node, f"{path} has no type"
        for keyword in ("$ref", "anyOf", "oneOf", "allOf", "title", "$defs", "const"):
            assert keyword not in node, f"{path} has {keyword}"
        if "properties" in node:
            assert "additionalProperties" not in node, (
                f"{path}: properties with additionalProperties"
            )
        assert node.get("default", "") is not None, f"{path} has a null default"


def test_every_field_has_a_description() -> None:
    """So that `kubectl explain instance.spec.<field>` helps. Not `metadata`: the API server
    refuses anything there but constraints on name and generateName, a description included."""
    schema = _version()["schema"]["openAPIV3Schema"]
    missing = [
        path
        for path, node in _walk(schema)
        if path and not path.endswith(("[]", "{}")) and not node.get("description")
    ]
    assert missing == [".metadata"]
    assert schema["properties"]["metadata"] == {"type": "object"}


def test_strings_lists_and_maps_under_cel_rules_are_bounded() -> None:
    """The API server refuses CEL rules whose estimated cost is unbounded; bounds keep it finite."""
    spec = _version()["schema"]["openAPIV3Schema"]["properties"]["spec"]
    for path, node in _walk(spec):
        if node["type"] == "string" and "enum" not in node:
            assert "maxLength" in node, f"spec{path} has no maxLength"
        if node["type"] == "array":
            assert "maxItems" in node, f"spec{path} has no maxItems"
        if node["type"] == "object" and "additionalProperties" in node:
            assert "maxProperties" in node, f"spec{path} has no maxProperties"


def test_list_map_keys_are_required() -> None:
    schema = _version()["schema"]["openAPIV3Schema"]
    for path, node in _walk(schema):
        if node.get("x-kubernetes-list-type") == "map":
            for key in node["x-kubernetes-list-map-keys"]:
                assert key in node["items"]["required"], f"{path}: map key {key} must be required"


def test_names_subresource_and_printer_columns() -> None:
    crd = instance_crd()
    assert crd["metadata"]["name"] == "instances.instance-operator.dev"
    spec = crd["spec"]
    assert spec["group"] == names.GROUP
    assert spec["scope"] == "Namespaced"
    assert spec["names"]["kind"] == "Instance"
    assert spec["names"]["shortNames"] == ["inst"]
    assert spec["names"]["categories"] == ["openstack"]
    version = _version()
    assert version["name"] == "v1alpha1"
    assert version["subresources"] == {"status": {}}
    columns = {c["name"]: c["jsonPath"] for c in version["additionalPrinterColumns"]}
    assert columns["Phase"] == ".status.phase"
    assert columns["Power"] == ".status.powerState"
    assert columns["IP"] == ".status.addresses[0].ip"
    assert columns["Flavor"] == ".status.flavorName"
    assert columns["Server-ID"] == ".status.serverID"
    assert columns["Age"] == ".metadata.creationTimestamp"


def test_spec_has_enums_defaults_and_limits() -> None:
    spec = _version()["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    assert spec["deletionPolicy"]["enum"] == ["Delete", "Orphan"]
    # No default: unset means Delete for a created server and Orphan for an imported one.
    assert "default" not in spec["deletionPolicy"]
    assert spec["managementPolicy"]["enum"] == ["Managed", "Unmanaged"]
    assert spec["managementPolicy"]["default"] == "Managed"
    assert spec["powerState"]["enum"] == ["Manual", "Running", "Stopped"]
    assert spec["powerState"]["default"] == "Manual"
    assert spec["tags"]["maxItems"] == 49
    assert spec["tags"]["items"]["maxLength"] == 60
    assert spec["serverName"]["maxLength"] == 255
    assert spec["metadata"]["additionalProperties"]["maxLength"] == 255
    assert "namespace" not in spec["cloudCredentialsRef"]["properties"]
    immutable = {
        r["fieldPath"]
        for r in _version()["schema"]["openAPIV3Schema"]["properties"]["spec"][
            "x-kubernetes-validations"
        ]
        if "immutable" in r["message"]
    }
    assert immutable == {
        ".import",
        ".image",
        ".networks",
        ".keyName",
        ".availabilityZone",
        ".userData",
        ".cloudCredentialsRef",
        ".serverGroup",
    }


def test_yaml_round_trips() -> None:
    assert yaml.safe_load(render_crd()) == instance_crd()


def test_api_reference_is_current() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "instance_operator", "crd", "--api-reference"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert printed == (ROOT / "docs" / "api.md").read_text(), "run `make crds` and commit"


def test_api_reference_covers_every_field() -> None:
    from instance_operator.api.reference import render

    page = render()
    schema = _version()["schema"]["openAPIV3Schema"]
    for path, _ in _walk(schema["properties"]["spec"], "spec"):
        if not path.endswith(("{}", "[]")):  # list items and map values share their field's row
            assert f"`{path}`" in page, path
