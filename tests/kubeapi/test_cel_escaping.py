"""CEL sees a CRD's object properties by their escaped names, as kube-apiserver does.

A property named ``import`` (a CEL reserved word) is ``self.__import__``, ``volume-type`` is
``self.volume__dash__type``; map keys are not escaped (``'no-go' in self.tags``). A rule that
names such a property plainly (``self.import``) does not compile, so the CRD is refused; the
remembered outcomes (``celmemo``) read the property behind the escaped name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from instance_operator.kubeapi import KubeAPI, celmemo
from tests.kubeapi.conftest import GROUP, serve_crd

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
RULE_PATH = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule"

IMPORT_IMMUTABLE = (
    "has(self.__import__) == has(oldSelf.__import__)"
    " && (!has(self.__import__) || self.__import__ == oldSelf.__import__)"
)
IMPORT_OR_FLAVOR = "has(self.__import__) || has(self.flavor)"

SPEC: dict[str, Any] = {
    "type": "object",
    "properties": {
        "import": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "maxLength": 64},
                "in": {"type": "string", "maxLength": 64},
            },
        },
        "flavor": {"type": "string", "maxLength": 64},
        "volume-type": {"type": "string", "maxLength": 16},
        "note": {"type": "string", "nullable": True, "maxLength": 64},
        "extra": {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {"size": {"type": "integer"}},
            "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "extra is fixed"}],
        },
        "tags": {
            "type": "object",
            "maxProperties": 8,
            "additionalProperties": {"type": "string", "maxLength": 64},
            "x-kubernetes-validations": [
                {"rule": "!('no-go' in self)", "message": "the no-go tag is reserved"}
            ],
        },
    },
    "x-kubernetes-validations": [
        {"rule": IMPORT_OR_FLAVOR},
        {"rule": IMPORT_IMMUTABLE, "message": "import is immutable"},
        {
            "rule": "!has(self.__import__) || self.__import__.id.size() > 0",
            "message": "import.id must not be empty",
        },
        {
            "rule": "!has(self.volume__dash__type) || self.volume__dash__type in ['ssd', 'hdd']",
            "message": "volume-type is ssd or hdd",
        },
        {
            "rule": "!has(self.__import__) || !has(self.__import__.__in__)"
            " || self.__import__.__in__ == 'glance'",
            "message": "import.in is glance",
        },
        {"rule": "!has(self.note) || self.note.size() > 0", "message": "a note is not empty"},
    ],
}


@pytest.fixture(scope="module")
def api() -> Iterator[KubeAPI]:
    with KubeAPI().running() as running:
        yield running


@pytest.fixture(scope="module")
def portals(api: KubeAPI) -> str:
    return serve_crd(api, "portals", "Portal", {"type": "object", "properties": {"spec": SPEC}})


def portal(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Portal",
        "metadata": {"name": name},
        "spec": spec,
    }


def create(url: str, name: str, **spec: Any) -> requests.Response:
    return requests.post(url, json=portal(name, **spec), timeout=10)


def patch(url: str, name: str, spec: dict[str, Any]) -> requests.Response:
    return requests.patch(
        f"{url}/{name}",
        json={"spec": spec},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )


def refusals(response: requests.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(c["field"], c["message"]) for c in response.json()["details"]["causes"]]


def invalid(message: str, field: str = "spec") -> tuple[str, str]:
    return (field, f'Invalid value: "object": {message}')


def test_an_escaped_property_is_read_and_tested_by_its_escaped_name(portals: str) -> None:
    assert create(portals, "imported", **{"import": {"id": "img-1"}}).status_code == 201
    assert create(portals, "flavored", flavor="m1.small").status_code == 201
    assert refusals(create(portals, "neither")) == [invalid(f"failed rule: {IMPORT_OR_FLAVOR}")]
    assert refusals(create(portals, "empty-id", **{"import": {"id": ""}})) == [
        invalid("import.id must not be empty")
    ]


def test_a_reserved_word_inside_an_escaped_object_is_escaped_too(portals: str) -> None:
    ok = {"import": {"id": "img-1", "in": "glance"}}
    assert create(portals, "in-glance", **ok).status_code == 201
    wrong = {"import": {"id": "img-1", "in": "cinder"}}
    assert refusals(create(portals, "in-cinder", **wrong)) == [invalid("import.in is glance")]


def test_a_dashed_property_is_read_by_its_escaped_name(portals: str) -> None:
    assert create(portals, "ssd", flavor="m1", **{"volume-type": "ssd"}).status_code == 201
    assert refusals(create(portals, "tape", flavor="m1", **{"volume-type": "tape"})) == [
        invalid("volume-type is ssd or hdd")
    ]


def test_map_keys_are_not_escaped(portals: str) -> None:
    assert create(portals, "tagged", flavor="m1", tags={"go-ahead": "x"}).status_code == 201
    assert refusals(create(portals, "no-go", flavor="m1", tags={"no-go": "x"})) == [
        invalid("the no-go tag is reserved", "spec.tags")
    ]


def test_the_escaped_property_is_immutable_through_a_transition_rule(portals: str) -> None:
    assert create(portals, "fixed", flavor="m1", **{"import": {"id": "img-1"}}).status_code == 201
    # an update that keeps the import holds (and is remembered) ...
    assert patch(portals, "fixed", {"flavor": "m2"}).status_code == 200
    # ... and one that changes, drops or adds it does not: the memo reads the import itself
    immutable = [invalid("import is immutable")]
    assert refusals(patch(portals, "fixed", {"import": {"id": "img-2"}})) == immutable
    assert refusals(patch(portals, "fixed", {"import": None})) == immutable
    assert create(portals, "late", flavor="m1").status_code == 201
    assert refusals(patch(portals, "late", {"import": {"id": "img-1"}})) == immutable


def test_a_null_property_is_absent_and_an_undeclared_one_is_still_compared(portals: str) -> None:
    assert create(portals, "null-note", flavor="m1", note=None).status_code == 201
    assert refusals(create(portals, "empty-note", flavor="m1", note="")) == [
        invalid("a note is not empty")
    ]
    extra = {"size": 1, "colour": "red"}  # colour: kept, not declared, not reachable by CEL
    assert create(portals, "extra", flavor="m1", extra=extra).status_code == 201
    assert patch(portals, "extra", {"flavor": "m2"}).status_code == 200
    assert refusals(patch(portals, "extra", {"extra": {"colour": "blue"}})) == [
        invalid("extra is fixed", "spec.extra")
    ]


def test_the_memo_keys_an_escaped_name_by_the_property_it_names() -> None:
    reads: celmemo.Reads = {"self": frozenset({"__import__"})}
    names = {"__import__": "import", "flavor": "flavor"}

    def key(value: dict[str, Any]) -> str:
        return celmemo.key(reads, {"self": value}, names)

    assert key({"import": {"id": "a"}}) != key({"import": {"id": "b"}})
    assert key({"import": {"id": "a"}}) != key({})
    assert key({"flavor": "x"}) == key({"flavor": "y"})  # not read
    # in a map, a name is the key as written
    assert celmemo.key(reads, {"self": {"__import__": 1}}) != celmemo.key(reads, {"self": {}})


def _crd_with_rule(rule: str) -> dict[str, Any]:
    spec = {**SPEC, "x-kubernetes-validations": [{"rule": rule}]}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"gates.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": "gates", "singular": "gate", "kind": "Gate"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec}}},
                }
            ],
        },
    }


def _rule_value(rule: str) -> str:
    return (
        f'Invalid value: apiextensions.ValidationRule{{Rule:"{rule}", Message:"",'
        ' MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil),'
        ' FieldPath:"", OptionalOldSelf:(*bool)(nil)}'
    )


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ("self.import.id.size() > 0", "ERROR: <input>:1:5: undefined field 'import'"),
        ("has(self.import)", "ERROR: <input>:1:4: undefined field 'import'"),
        ("self.volume-type == 'ssd'", "ERROR: <input>:1:5: undefined field 'volume'"),
        ("import == self", "ERROR: <input>:1:1: reserved identifier: import"),
        (
            "self.__import__.in == 'glance'",
            "ERROR: <input>:1:17: Syntax error: no viable alternative at input '.in'",
        ),
    ],
    ids=["select", "has", "dash", "identifier", "keyword-field"],
)
def test_a_rule_naming_a_property_unescaped_is_refused(api: KubeAPI, rule: str, error: str) -> None:
    response = requests.post(f"{api.url}{CRDS}", json=_crd_with_rule(rule), timeout=10)
    assert response.status_code == 422, response.text
    ((field, message),) = refusals(response)
    assert field == RULE_PATH
    assert message.startswith(f"{_rule_value(rule)}: compilation failed: {error}\n"), message
