"""The embedded API evaluates CEL ``x-kubernetes-validations`` as kube-apiserver does.

Over HTTP, with the real Instance CRD: every rule refuses what it should on create, transition
rules (immutability) hold on update, merge patch, JSON patch and status writes, and the 422
body is the API server's. A Widget CRD covers the rule options the Instance CRD does not use.
"""

from __future__ import annotations

import copy
from typing import Any

import celpy
import pytest
import requests

from instance_operator.api.crd import instance_crd
from instance_operator.kubeapi import KubeAPI, celmemo
from instance_operator.sandbox import example
from tests.kubeapi.conftest import serve_crd

GROUP, VERSION = "instance-operator.dev", "v1alpha1"
UUID = "8b8b0f5a-1c1e-4f55-9f3a-2b8f1b3c4d5e"


@pytest.fixture
def base(api: KubeAPI) -> str:
    created = requests.post(
        f"{api.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        json=instance_crd(),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return f"{api.url}/apis/{GROUP}/{VERSION}/namespaces/default/instances"


def full(name: str = "web") -> dict[str, Any]:
    manifest = copy.deepcopy(example("instance-full.yaml"))
    manifest["metadata"] = {"name": name}
    return manifest


def create(base: str, manifest: dict[str, Any]) -> requests.Response:
    return requests.post(base, json=manifest, timeout=10)


def causes(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "Invalid", 422)
    return body["details"]["causes"]  # type: ignore[no-any-return]


def refusal(field: str, message: str, shown: str = "object") -> dict[str, str]:
    return {
        "reason": "FieldValueInvalid",
        "field": field,
        "message": f'Invalid value: "{shown}": {message}',
    }


ONE_OF = [
    (
        "flavor",
        {"name": "m1.small", "id": "2"},
        "spec.flavor",
        "flavor: set exactly one of name or id",
    ),
    ("flavor", {}, "spec.flavor", "flavor: set exactly one of name or id"),
    ("image", {"name": "cirros", "id": UUID}, "spec.image", "image: set exactly one of name or id"),
    (
        "serverGroup",
        {"name": "pair", "id": UUID},
        "spec.serverGroup",
        "serverGroup: set exactly one of name, id or create",
    ),
    (
        "networks",
        [{"name": "private", "portID": UUID}],
        "spec.networks[0]",
        "networks[]: set exactly one of name, id or portID",
    ),
    (
        "networks",
        [{"portID": UUID, "fixedIP": "10.0.0.5"}],
        "spec.networks[0].fixedIP",
        "networks[].fixedIP cannot be combined with portID: the port already has its addresses",
    ),
    (
        "metadata",
        {"team/name": "x"},
        "spec.metadata",
        "metadata keys must be 1-255 characters of letters, digits, '-', '_', ':', '.' and spaces "
        "(Nova refuses '/')",
    ),
    (
        "metadata",
        {"instance-operator.dev:uid": "x"},
        "spec.metadata",
        "metadata keys starting with 'instance-operator.dev:' are reserved for the operator",
    ),
    (
        "tags",
        ["iop-uid-1"],
        "spec.tags",
        "tags starting with 'iop-uid-' are reserved for the operator",
    ),
    (
        "userData",
        {"inline": "x", "secretRef": {"name": "s", "key": "k"}},
        "spec.userData",
        "userData: set exactly one of inline or secretRef",
    ),
    (
        "userData",
        {"inline": "é" * 30_000},  # fewer characters than maxLength, but twice as many bytes
        "spec.userData.inline",
        "userData.inline must be at most 49149 bytes in UTF-8 (Nova accepts 65535 once "
        "base64-encoded)",
    ),
]


@pytest.mark.parametrize(("field", "value", "path", "message"), ONE_OF, ids=lambda v: str(v)[:30])
def test_every_rule_of_the_instance_crd_refuses_a_create(
    base: str, field: str, value: Any, path: str, message: str
) -> None:
    manifest = full()
    manifest["spec"][field] = value
    response = create(base, manifest)
    shown = "array" if isinstance(value, list) and path == f"spec.{field}" else "object"
    assert causes(response) == [refusal(path, message, shown)]
    assert response.json()["message"] == (
        f'Instance.instance-operator.dev "web" is invalid: {path}: Invalid value: "{shown}": {message}'
    )


def test_the_full_and_minimal_examples_pass_every_rule(base: str) -> None:
    assert create(base, full()).status_code == 201
    minimal = example("instance-minimal.yaml")
    minimal["metadata"] = {"name": "small"}
    assert create(base, minimal).status_code == 201


IMMUTABLE = [
    ("image", {"name": "ubuntu"}),
    ("networks", [{"name": "public"}]),
    ("keyName", "other-key"),
    ("availabilityZone", "az2"),
    ("userData", {"inline": "#cloud-config"}),
    ("cloudCredentialsRef", {"secretName": "other", "cloudName": "mycloud"}),
    ("serverGroup", {"name": "pair"}),
]


def immutable(field: str) -> dict[str, str]:
    return refusal(f"spec.{field}", f"{field} is immutable: create a new Instance to change it")


@pytest.mark.parametrize(("field", "new"), IMMUTABLE)
def test_an_immutable_field_cannot_change_by_update(base: str, field: str, new: Any) -> None:
    stored = create(base, full()).json()
    stored["spec"][field] = new
    response = requests.put(f"{base}/web", json=stored, timeout=10)
    assert causes(response) == [immutable(field)]
    assert response.json()["message"] == (
        f'Instance.instance-operator.dev "web" is invalid: spec.{field}: Invalid value: "object": '
        f"{field} is immutable: create a new Instance to change it"
    )


# A merge patch merges objects, so these drop the old one-of member with null.
MERGED = [
    ("image", {"name": "ubuntu", "id": None}),
    ("networks", [{"name": "public"}]),
    ("keyName", "other-key"),
    ("availabilityZone", "az2"),
    ("userData", {"inline": "#cloud-config", "secretRef": None}),
    ("cloudCredentialsRef", {"secretName": "other"}),
    ("serverGroup", {"name": None, "id": UUID}),
]


@pytest.mark.parametrize(("field", "patch"), MERGED)
def test_an_immutable_field_cannot_change_by_merge_patch(base: str, field: str, patch: Any) -> None:
    create(base, full())
    response = requests.patch(
        f"{base}/web",
        json={"spec": {field: patch}},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert causes(response) == [immutable(field)]


@pytest.mark.parametrize(
    "field", ["keyName", "networks", "userData", "availabilityZone", "serverGroup"]
)
def test_an_optional_immutable_field_cannot_be_removed_by_json_patch(base: str, field: str) -> None:
    create(base, full())
    response = requests.patch(
        f"{base}/web",
        json=[{"op": "remove", "path": f"/spec/{field}"}],
        headers={"Content-Type": "application/json-patch+json"},
        timeout=10,
    )
    assert causes(response) == [immutable(field)]


def test_an_optional_immutable_field_cannot_be_added(base: str) -> None:
    manifest = full()
    del manifest["spec"]["keyName"]
    create(base, manifest)
    response = requests.patch(
        f"{base}/web",
        json=[{"op": "add", "path": "/spec/keyName", "value": "late"}],
        headers={"Content-Type": "application/json-patch+json"},
        timeout=10,
    )
    assert causes(response) == [immutable("keyName")]


MUTABLE = [
    ("serverName", "renamed"),
    ("metadata", {"team": "platform"}),
    ("tags", ["staging"]),
    ("securityGroups", ["default"]),
    ("flavor", {"name": "m1.large"}),
    ("deletionPolicy", "Orphan"),
    ("powerState", "Stopped"),
]


@pytest.mark.parametrize(("field", "new"), MUTABLE)
def test_a_mutable_field_can_change(base: str, field: str, new: Any) -> None:
    create(base, full())
    response = requests.patch(
        f"{base}/web",
        json=[{"op": "add", "path": f"/spec/{field}", "value": new}],
        headers={"Content-Type": "application/json-patch+json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["spec"][field] == new


def test_a_status_write_passes_the_transition_rules_of_an_unchanged_spec(base: str) -> None:
    create(base, full())
    response = requests.patch(
        f"{base}/web/status",
        json={"status": {"phase": "Active"}},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"]["phase"] == "Active"


def test_a_status_write_cannot_change_the_spec(base: str) -> None:
    stored = create(base, full()).json()
    stored["spec"]["image"] = {"name": "ubuntu"}
    stored["status"] = {"phase": "Active"}
    response = requests.put(f"{base}/web/status", json=stored, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["spec"]["image"] == full()["spec"]["image"]


def test_schema_errors_block_the_rules_with_the_api_servers_note(base: str) -> None:
    manifest = full()
    manifest["spec"]["flavor"] = {"name": "a", "id": "b"}  # a rule would refuse it...
    manifest["spec"]["powerState"] = "On"  # ...but an unsupported value stops the rules
    response = create(base, manifest)
    assert [cause["field"] for cause in causes(response)] == ["spec.powerState", "<nil>"]
    assert response.json()["message"].endswith(
        "<nil>: Invalid value: null: some validation rules were not checked because the object "
        "was invalid; correct the existing errors to complete validation]"
    )


# -- rule options the Instance CRD does not use ---------------------------------------------------

STRING = {"type": "string", "maxLength": 10}
GADGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "size": {"type": "integer"},
                "ratio": {"type": "number"},
                "since": {"type": "string", "format": "date-time"},
                "owner": {
                    **STRING,
                    "x-kubernetes-validations": [
                        {
                            "rule": "!oldSelf.hasValue() || self == oldSelf.value()",
                            "optionalOldSelf": True,
                            "message": "owner cannot change",
                            "reason": "FieldValueForbidden",
                        }
                    ],
                },
                "zones": {
                    "type": "array",
                    "maxItems": 5,
                    "x-kubernetes-list-type": "set",
                    "items": STRING,
                    "x-kubernetes-validations": [
                        {"rule": "self == oldSelf", "reason": "FieldValueDuplicate"}
                    ],
                },
                "ports": {
                    "type": "array",
                    "maxItems": 5,
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": STRING, "number": {"type": "integer"}},
                        "x-kubernetes-validations": [
                            {"rule": "self.number >= oldSelf.number", "message": "ports only grow"}
                        ],
                    },
                },
            },
            "x-kubernetes-validations": [
                {
                    "rule": "self.size <= 10",
                    # Concatenating string(self.size) would be refused by a real API server (an
                    # int's string has no size bound: estimated cost over 100x the budget).
                    "messageExpression": "self.size > 20 ? 'size is far over 10' : 'size is over 10'",
                    "reason": "FieldValueRequired",
                    "fieldPath": ".size",
                },
                {"rule": "!has(self.ratio) || self.ratio < 1.5"},
                {"rule": "!has(self.since) || self.since < timestamp('2030-01-01T00:00:00Z')"},
                {"rule": "self.size != 7 || 10 / (self.size - 7) == 1"},
            ],
        }
    },
    "x-kubernetes-validations": [
        {"rule": "self.metadata.name.startsWith('w')", "message": "names start with w"}
    ],
}


@pytest.fixture
def gadgets(api: KubeAPI) -> str:
    return serve_crd(api, "gadgets", "Gadget", GADGET_SCHEMA)


def gadget(name: str = "w1", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tests.example.dev/v1",
        "kind": "Gadget",
        "metadata": {"name": name},
        "spec": {"size": 1, **spec},
    }


def merge_patch(url: str, spec: dict[str, Any]) -> requests.Response:
    return requests.patch(
        url,
        json={"spec": spec},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )


def test_reason_field_path_message_expression_default_message_and_the_root(gadgets: str) -> None:
    response = create(gadgets, gadget("x1", size=11, ratio=2))
    # a node's own rules first, then the nodes below it, as the API server walks them
    assert causes(response) == [
        refusal("<nil>", "names start with w"),
        {
            "reason": "FieldValueRequired",
            "field": "spec.size",
            "message": "Required value: size is over 10",
        },
        refusal("spec", "failed rule: !has(self.ratio) || self.ratio < 1.5"),
    ]


def test_an_evaluation_error_is_reported_as_the_api_server_words_it(gadgets: str) -> None:
    assert causes(create(gadgets, gadget(size=7))) == [
        refusal(
            "spec", "division by zero evaluating rule: self.size != 7 || 10 / (self.size - 7) == 1"
        )
    ]


def test_number_fields_are_doubles_and_date_times_are_timestamps(gadgets: str) -> None:
    # ratio 1 is a JSON integer, but CEL sees a double: `self.ratio < 1.5` does not fail to evaluate
    assert create(gadgets, gadget(ratio=1, since="2029-12-31T23:59:59Z")).status_code == 201
    late = create(gadgets, gadget("w2", since="2031-01-01T00:00:00Z"))
    assert causes(late) == [
        refusal(
            "spec",
            "failed rule: !has(self.since) || self.since < timestamp('2030-01-01T00:00:00Z')",
        )
    ]


def test_optional_old_self_runs_on_create_and_forbids_a_change(gadgets: str) -> None:
    assert create(gadgets, gadget(owner="ann")).status_code == 201
    assert causes(merge_patch(f"{gadgets}/w1", {"owner": "bob"})) == [
        {
            "reason": "FieldValueForbidden",
            "field": "spec.owner",
            "message": "Forbidden: owner cannot change",
        }
    ]


def test_a_set_compares_without_order(gadgets: str) -> None:
    assert create(gadgets, gadget(zones=["a", "b"])).status_code == 201
    assert merge_patch(f"{gadgets}/w1", {"zones": ["b", "a"]}).status_code == 200
    assert causes(merge_patch(f"{gadgets}/w1", {"zones": ["a"]})) == [
        {
            "reason": "FieldValueDuplicate",
            "field": "spec.zones",
            "message": 'Duplicate value: "array"',
        }
    ]


def test_map_list_items_meet_their_old_item_by_key(gadgets: str) -> None:
    assert create(gadgets, gadget(ports=[{"name": "http", "number": 80}])).status_code == 201
    grown = [{"name": "ssh", "number": 1}, {"name": "http", "number": 81}]  # ssh has no oldSelf
    assert merge_patch(f"{gadgets}/w1", {"ports": grown}).status_code == 200
    shrunk = [{"name": "http", "number": 80}]
    assert causes(merge_patch(f"{gadgets}/w1", {"ports": shrunk})) == [
        refusal("spec.ports[0]", "ports only grow")
    ]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "has(self.image) == has(oldSelf.image) && self.image == oldSelf.image",
            {"self": frozenset({"image"}), "oldSelf": frozenset({"image"})},
        ),
        ("has(self.a.b) || self.c.size() > 1", {"self": frozenset({"a", "c"})}),
        ("self.all(k, k.startsWith('x'))", {"self": None}),
        ("self['a'] == 1", {"self": None}),
        (
            "!oldSelf.hasValue() || self.x == oldSelf.value().x",
            {"self": frozenset({"x"}), "oldSelf": None},
        ),
    ],
)
def test_an_outcome_is_remembered_under_exactly_what_the_rule_reads(
    rule: str, expected: dict[str, Any]
) -> None:
    assert celmemo.reads(celpy.Environment().compile(rule)) == expected
