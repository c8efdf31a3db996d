"""values.yaml and values.schema.json: every value explained, wrong types refused."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.chart.helm import CHART, CI_VALUES, ROOT, helm, template

SCHEMA = json.loads((CHART / "values.schema.json").read_text())
DEFAULTS = yaml.safe_load((CHART / "values.yaml").read_text())

#: Values a user could plausibly get wrong, each with the path helm must name.
BAD_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "replica count as a string": ({"replicaCount": "two"}, "/replicaCount"),
    "no replicas": ({"replicaCount": 0}, "/replicaCount"),
    "a namespace instead of a list": ({"watchNamespaces": "team-a"}, "/watchNamespaces"),
    "a namespace that is no DNS label": ({"watchNamespaces": ["Team_A"]}, "/watchNamespaces/0"),
    "an interval in words": ({"operator": {"pollInterval": "fast"}}, "/operator/pollInterval"),
    "a zero rate limit": ({"operator": {"openstackRateLimit": 0}}, "/operator/openstackRateLimit"),
    "an unknown log format": ({"operator": {"logFormat": "xml"}}, "/operator/logFormat"),
    "a port out of range": ({"metrics": {"port": 70000}}, "/metrics/port"),
    "a tag given as the digest": ({"image": {"digest": "v0.1.0"}}, "/image/digest"),
    "a switch as a string": (
        {"metrics": {"serviceMonitor": {"enabled": "yes"}}},
        "/metrics/serviceMonitor/enabled",
    ),
    "a misspelt key": ({"replicas": 2}, "replicas"),
    "a misspelt nested key": ({"operator": {"pollIntervall": 5}}, "pollIntervall"),
    "env as a map": ({"extraEnv": {"A": "1"}}, "/extraEnv"),
    "a pull policy typo": ({"image": {"pullPolicy": "always"}}, "/image/pullPolicy"),
    "no ServiceAccount to use": ({"serviceAccount": {"create": False}}, "/serviceAccount/name"),
}


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of a values file over the chart's values."""
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            merged(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


def test_the_schema_is_a_valid_draft7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", ["defaults", *sorted(CI_VALUES)])
def test_shipped_values_satisfy_the_schema(name: str) -> None:
    values = (
        DEFAULTS
        if name == "defaults"
        else merged(DEFAULTS, yaml.safe_load(CI_VALUES[name].read_text()))
    )
    jsonschema.Draft7Validator(SCHEMA).validate(values)


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_the_schema_refuses_wrong_values(case: str) -> None:
    override, where = BAD_VALUES[case]
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(merged(DEFAULTS, override)))
    assert errors, f"{case}: accepted"
    # A path is a JSON pointer to the bad value; a bare name is an unknown key the error names.
    named = [
        "/" + "/".join(str(part) for part in error.absolute_path)
        if where.startswith("/")
        else error.message
        for error in errors
    ]
    assert any(
        where == name if where.startswith("/") else f"'{where}'" in name for name in named
    ), f"{case}: the errors do not name {where}: {named}"


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_helm_refuses_wrong_values(case: str, tmp_path: Path) -> None:
    override, where = BAD_VALUES[case]
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(override))
    rendered = template(values)
    assert rendered.returncode != 0, f"{case}: helm template accepted it"
    assert where in rendered.stderr
    linted = helm("lint", "--strict", str(CHART), "--values", str(values))
    assert linted.returncode != 0, f"{case}: helm lint accepted it"


def value_comments() -> dict[tuple[str, ...], str]:
    """Each key of values.yaml (as its path) with the comment lines just above it, whitespace
    normalised; an empty string where it has none."""
    comments: dict[tuple[str, ...], str] = {}
    stack: list[tuple[int, str]] = []
    block: list[str] = []
    for line in (CHART / "values.yaml").read_text().splitlines():
        comment = re.match(r"^ *#(.*)$", line)
        if comment:
            block.append(comment.group(1))
            continue
        key = re.match(r"^( *)([A-Za-z][\w.-]*):", line)
        if key:
            indent = len(key.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, key.group(2)))
            comments[tuple(name for _, name in stack)] = " ".join(" ".join(block).split())
        block = []
    return comments


def schema_entries(
    node: dict[str, Any], path: tuple[str, ...] = ()
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Each property the schema declares (as its path), through $refs, with its own entry (where
    a description beside a $ref sits)."""
    target = node
    if "$ref" in node:
        target = SCHEMA["definitions"][node["$ref"].removeprefix("#/definitions/")]
    entries: dict[tuple[str, ...], dict[str, Any]] = {}
    for key, child in target.get("properties", {}).items():
        entries[(*path, key)] = child
        entries.update(schema_entries(child, (*path, key)))
    return entries


#: Helm adds ``global`` to every chart's values (for subcharts), so the schema has to allow it.
HELM_OWNED = {("global",)}


def test_every_value_is_explained() -> None:
    comments = value_comments()
    assert comments
    assert [".".join(path) for path, text in comments.items() if not text] == []


def test_the_schema_describes_each_value_with_its_comment() -> None:
    """values.schema.json's descriptions (editors show them as help) are the values.yaml
    comments: change one and copy it to the other."""
    entries = schema_entries(SCHEMA)
    differ = {
        ".".join(path): comment
        for path, comment in value_comments().items()
        if entries.get(path, {}).get("description") != comment
    }
    assert differ == {}, "set these descriptions in values.schema.json to the values.yaml comment"


def test_the_schema_has_no_entry_without_a_value() -> None:
    values = set(value_comments())
    entries = set(schema_entries(SCHEMA))
    assert sorted(".".join(path) for path in entries - values - HELM_OWNED) == []
    assert all(schema_entries(SCHEMA)[path].get("description") for path in HELM_OWNED)


def doc_values() -> list[str]:
    text = (ROOT / "docs" / "install-helm.md").read_text()
    return re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)


@pytest.mark.parametrize("block", range(len(doc_values())))
def test_values_in_the_install_guide_work(block: int, tmp_path: Path) -> None:
    text = doc_values()[block]
    jsonschema.Draft7Validator(SCHEMA).validate(merged(DEFAULTS, yaml.safe_load(text)))
    values = tmp_path / "values.yaml"
    values.write_text(text)
    rendered = template(values)
    assert rendered.returncode == 0, rendered.stderr
