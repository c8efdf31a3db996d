"""Both enforcers of the API, the CRD (schema + CEL, run by the embedded API server's own
admission) and the pydantic models (as the operator runs them), accept the examples and refuse
the same bad manifests, each naming the field at fault."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from instance_operator.api.models import InstanceSpec
from instance_operator.api.validation import InvalidSpec, describe, validate_spec
from tests.support.admitted import refusals
from tests.support.manifests import Instance

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _instances() -> list[Path]:
    found = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if any(doc.get("kind") == "Instance" for doc in yaml.safe_load_all(path.read_text())):
            found.append(path)
    return found


def _load(path: Path) -> dict[str, Any]:
    (doc,) = [d for d in yaml.safe_load_all(path.read_text()) if d.get("kind") == "Instance"]
    return doc  # type: ignore[no-any-return]


MINIMAL = _load(EXAMPLES / "instance-minimal.yaml")
FULL = _load(EXAMPLES / "instance-full.yaml")
IMPORT = _load(EXAMPLES / "instance-import.yaml")


def test_there_are_minimal_and_full_examples() -> None:
    assert len(_instances()) >= 2


@pytest.mark.parametrize("path", _instances(), ids=lambda p: p.name)
def test_example_is_valid_for_the_api_server_and_the_operator(path: Path) -> None:
    manifest = _load(path)
    assert refusals(manifest) == []
    Instance.model_validate(manifest)


def test_the_full_and_import_examples_set_every_spec_field() -> None:
    given = set(FULL["spec"]) | set(IMPORT["spec"])
    assert given == {f.alias or n for n, f in InstanceSpec.model_fields.items()}


def test_secret_example_holds_a_clouds_yaml() -> None:
    (secret,) = yaml.safe_load_all((EXAMPLES / "clouds-secret.yaml").read_text())
    clouds = yaml.safe_load(secret["stringData"]["clouds.yaml"])
    assert MINIMAL["spec"]["cloudCredentialsRef"]["cloudName"] in clouds["clouds"]
    assert secret["metadata"]["name"] == MINIMAL["spec"]["cloudCredentialsRef"]["secretName"]


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = spec
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[leaf] = value

    return mutate


def _drop(key: str) -> Mutation:
    return lambda spec: spec.pop(key)


UUID = "8b8b0f5a-1c1e-4f55-9f3a-2b8f1b3c4d5e"

# (case id, mutation of a valid full spec, the field the error must name)
INVALID: list[tuple[str, Mutation, str]] = [
    ("missing flavor", _drop("flavor"), "flavor"),
    ("missing image", _drop("image"), "image"),
    ("missing credentials", _drop("cloudCredentialsRef"), "cloudCredentialsRef"),
    ("flavor name and id", _set("flavor", {"name": "m1.small", "id": "2"}), "flavor"),
    ("flavor neither", _set("flavor", {}), "flavor"),
    ("image name and id", _set("image", {"name": "cirros", "id": UUID}), "image"),
    ("image id not a uuid", _set("image", {"id": "not-a-uuid"}), "image.id"),
    (
        "network name and port",
        _set("networks", [{"name": "private", "portID": UUID}]),
        "networks[0]",
    ),
    (
        "fixed ip with port",
        _set("networks", [{"portID": UUID, "fixedIP": "10.0.0.5"}]),
        "networks[0].fixedIP",
    ),
    (
        "fixed ip malformed",
        _set("networks", [{"name": "private", "fixedIP": "10.0.0.999"}]),
        "networks[0].fixedIP",
    ),
    ("bad deletion policy", _set("deletionPolicy", "Destroy"), "deletionPolicy"),
    ("bad power state", _set("powerState", "On"), "powerState"),
    ("tags not a list", _set("tags", "prod"), "tags"),
    ("metadata value not a string", _set("metadata", {"replicas": 3}), "metadata.replicas"),
    ("too many tags", _set("tags", [f"t{i}" for i in range(50)]), "tags"),
    ("tag too long", _set("tags", ["x" * 61]), "tags[0]"),
    ("tag with slash", _set("tags", ["a/b"]), "tags[0]"),
    ("tag with comma", _set("tags", ["a,b"]), "tags[0]"),
    ("reserved tag", _set("tags", ["iop-uid-123"]), "tags"),
    ("duplicate tags", _set("tags", ["a", "a"]), "tags"),
    ("metadata key with slash", _set("metadata", {"team/name": "x"}), "metadata"),
    ("reserved metadata key", _set("metadata", {"instance-operator.dev:uid": "x"}), "metadata"),
    ("metadata value too long", _set("metadata", {"k": "v" * 256}), "metadata.k"),
    ("server name too long", _set("serverName", "s" * 256), "serverName"),
    ("server name padded", _set("serverName", " web "), "serverName"),
    (
        "namespace in secret ref",
        _set("cloudCredentialsRef.namespace", "other-team"),
        "cloudCredentialsRef.namespace",
    ),
    (
        "secret name not dns",
        _set("cloudCredentialsRef.secretName", "Bad_Name"),
        "cloudCredentialsRef.secretName",
    ),
    ("unknown spec field", _set("size", "large"), "size"),
    (
        "user data inline and secret",
        _set("userData", {"inline": "x", "secretRef": {"name": "s", "key": "k"}}),
        "userData",
    ),
    ("user data too large", _set("userData", {"inline": "x" * 50_000}), "userData"),
    # fewer characters than maxLength, but twice as many bytes
    ("user data too many bytes", _set("userData", {"inline": "é" * 30_000}), "userData"),
    ("empty key name", _set("keyName", ""), "keyName"),
    (
        "security groups not names",
        _set("securityGroups", [{"name": "default"}]),
        "securityGroups[0]",
    ),
    ("import id and filter", _set("import", {"id": UUID, "filter": {"name": "web"}}), "import"),
    ("import neither", _set("import", {}), "import"),
    ("import id not a uuid", _set("import", {"id": "web-1"}), "import.id"),
    ("import filter without name", _set("import", {"filter": {"tags": ["web"]}}), "import.filter"),
    ("import filter empty name", _set("import", {"filter": {"name": ""}}), "import.filter.name"),
    ("bad management policy", _set("managementPolicy", "Observe"), "managementPolicy"),
]


@pytest.mark.parametrize(
    ("mutation", "field"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_manifest_is_refused_naming_the_field(mutation: Mutation, field: str) -> None:
    manifest = copy.deepcopy(FULL)
    mutation(manifest["spec"])

    api_errors = refusals(manifest)
    assert any(f"spec.{field}" in e for e in api_errors), api_errors

    with pytest.raises(InvalidSpec) as caught:
        validate_spec(manifest["spec"])
    assert f"spec.{field}" in str(caught.value)


def test_there_are_at_least_twenty_invalid_cases() -> None:
    assert len(INVALID) >= 20


@pytest.mark.parametrize(
    ("field", "new"),
    [
        ("image", {"name": "ubuntu"}),
        ("networks", [{"name": "public"}]),
        ("keyName", "other-key"),
        ("availabilityZone", "az2"),
        ("userData", {"inline": "#cloud-config"}),
        ("cloudCredentialsRef", {"secretName": "other", "cloudName": "mycloud"}),
    ],
)
def test_immutable_fields_cannot_change(field: str, new: Any) -> None:
    updated = copy.deepcopy(FULL)
    updated["spec"][field] = new
    assert refusals(updated) == []  # a valid object on its own...
    errors = refusals(updated, old=FULL)  # ...but not as an update
    assert errors == [
        f'spec.{field}: Invalid value: "object": {field} is immutable: create a new Instance to change it'
    ]


@pytest.mark.parametrize("field", ["keyName", "networks", "userData", "availabilityZone"])
def test_optional_immutable_fields_cannot_be_added_or_removed(field: str) -> None:
    without = copy.deepcopy(FULL)
    del without["spec"][field]
    assert refusals(without, old=FULL) != []
    assert refusals(FULL, old=without) != []


def test_import_makes_flavor_and_image_optional() -> None:
    assert refusals(IMPORT) == []
    InstanceSpec.model_validate(IMPORT["spec"])
    neither = copy.deepcopy(IMPORT)
    del neither["spec"]["import"]
    assert refusals(neither) == [
        "spec.flavor: Required value: flavor is required, unless import is set",
        "spec.image: Required value: image is required, unless import is set",
    ]
    with pytest.raises(InvalidSpec) as caught:
        validate_spec(neither["spec"])
    assert str(caught.value) == (
        "spec.flavor: required, unless import is set; spec.image: required, unless import is set"
    )


@pytest.mark.parametrize(
    "new",
    [{"id": UUID}, {"filter": {"name": "legacy-web-02"}}, None],
    ids=["changed to an id", "another name", "removed"],
)
def test_import_is_immutable(new: dict[str, Any] | None) -> None:
    updated = copy.deepcopy(IMPORT)
    updated["spec"]["import"] = new
    if new is None:
        del updated["spec"]["import"]
        updated["spec"] |= {"flavor": {"name": "m1.small"}, "image": {"name": "cirros"}}
    assert refusals(updated) == []
    assert (
        'spec.import: Invalid value: "object": import is immutable: create a new Instance to'
        " change it"
    ) in refusals(updated, old=IMPORT)
    added = copy.deepcopy(FULL)
    added["spec"]["import"] = {"id": UUID}
    assert refusals(added, old=FULL) != []


def test_management_policy_can_change_both_ways() -> None:
    managed = copy.deepcopy(IMPORT)
    managed["spec"]["managementPolicy"] = "Managed"
    assert refusals(managed, old=IMPORT) == []
    assert refusals(IMPORT, old=managed) == []


@pytest.mark.parametrize(
    ("field", "new"),
    [
        ("serverName", "renamed"),
        ("metadata", {"team": "platform"}),
        ("tags", ["staging"]),
        ("securityGroups", ["default"]),
        ("flavor", {"name": "m1.large"}),
        ("deletionPolicy", "Delete"),
        ("powerState", "Stopped"),
    ],
)
def test_mutable_fields_can_change(field: str, new: Any) -> None:
    updated = copy.deepcopy(FULL)
    updated["spec"][field] = new
    assert refusals(updated, old=FULL) == []


def test_defaults_are_applied_by_the_models() -> None:
    spec = InstanceSpec.model_validate(MINIMAL["spec"])
    assert spec.deletion_policy is None
    assert spec.effective_deletion_policy == "Delete"
    assert spec.management_policy == "Managed"
    assert spec.power_state == "Manual"


def test_describe_lists_every_problem_on_one_line() -> None:
    bad = {**MINIMAL["spec"], "tags": ["a/b"], "powerState": "On"}
    with pytest.raises(ValidationError) as caught:
        InstanceSpec.model_validate(bad)
    message = describe(caught.value)
    assert "\n" not in message
    assert "spec.tags[0]" in message
    assert "spec.powerState" in message
