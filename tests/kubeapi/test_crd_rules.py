"""The embedded API refuses the CRD schemas a real kube-apiserver refuses, with its 422 causes.

One bad CRD per rule of :mod:`instance_operator.kubeapi.crd_validation`, each checked for the
status code, reason, field path and message; and the CRDs this project ships pass them all.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from instance_operator.api.crd import instance_crd
from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.conftest import KOPF_PEERING_CRDS, WIDGET_CRD

ROOT = Path(__file__).resolve().parents[2]
ROOT_PATH = "spec.validation.openAPIV3Schema"
SPEC = f"{ROOT_PATH}.properties[spec]"
HINT = (
    "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays,"
    " maps, and strings are declared)"
)

Schema = dict[str, Any]


@pytest.fixture(scope="module")
def extensions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[client.ApiextensionsV1Api]:
    with KubeAPI().running() as api:
        kubeconfig = api.write_kubeconfig(tmp_path_factory.mktemp("crd-rules") / "kubeconfig")
        api_client = config.new_client_from_config(config_file=str(kubeconfig))
        yield client.ApiextensionsV1Api(api_client)
        api_client.close()


def gadget_crd(spec_schema: Schema, name: str = "gadgets") -> dict[str, Any]:
    """A minimal valid CRD whose ``spec`` has the given schema."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{name}.tests.example.dev"},
        "spec": {
            "group": "tests.example.dev",
            "scope": "Namespaced",
            "names": {"plural": name, "singular": name[:-1], "kind": name[:-1].capitalize()},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": spec_schema},
                        }
                    },
                }
            ],
        },
    }


def refused(extensions: client.ApiextensionsV1Api, crd: dict[str, Any]) -> dict[str, Any]:
    """The Status of a refused create; the CRD must not have been created."""
    with pytest.raises(ApiException) as caught:
        extensions.create_custom_resource_definition(crd)
    status: dict[str, Any] = json.loads(caught.value.body)
    assert caught.value.status == 422, status
    assert status["reason"] == "Invalid"
    assert status["details"]["kind"] == "CustomResourceDefinition"
    return status


def causes(status: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["field"], c["message"]) for c in status["details"]["causes"]]


def schema_of(crd: dict[str, Any]) -> Schema:
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]  # type: ignore[no-any-return]


def obj(**properties: Schema) -> Schema:
    return {"type": "object", "properties": properties}


STRING: Schema = {"type": "string"}

#: (id, the root schema change, field, message): each breaks exactly one rule.
Case = tuple[str, Callable[[Schema], None], str, str]


def _set(path: str, value: Any) -> Callable[[Schema], None]:
    """Set ``value`` at a dotted path under the root schema."""

    def change(root: Schema) -> None:
        *parents, last = path.split(".")
        node = root
        for part in parents:
            node = node[part]
        node[last] = value

    return change


CASES: list[Case] = [
    # structural
    (
        "metadata-description",
        _set("properties.metadata", {"type": "object", "description": "Standard object metadata."}),
        f"{ROOT_PATH}.properties[metadata]",
        "Forbidden: must not specify anything other than name and generateName, but metadata is"
        " implicitly specified",
    ),
    (
        "metadata-other-field",
        _set("properties.metadata", obj(labels={"type": "object"})),
        f"{ROOT_PATH}.properties[metadata]",
        "Forbidden: must not specify anything other than name and generateName, but metadata is"
        " implicitly specified",
    ),
    (
        "metadata-not-object",
        _set("properties.metadata", {"type": "string"}),
        f"{ROOT_PATH}.properties[metadata].type",
        'Invalid value: "string": must be object',
    ),
    (
        "field-without-type",
        _set("properties.spec", obj(size={"minimum": 1})),
        f"{SPEC}.properties[size].type",
        "Required value: must not be empty for specified object fields",
    ),
    (
        "items-without-type",
        _set("properties.spec", obj(tags={"type": "array", "items": {"maxLength": 3}})),
        f"{SPEC}.properties[tags].items.type",
        "Required value: must not be empty for specified array items",
    ),
    (
        "array-without-items",
        _set("properties.spec", obj(tags={"type": "array"})),
        f"{SPEC}.properties[tags].items",
        "Required value: must be specified",
    ),
    (
        "root-not-object",
        _set("type", "array"),
        f"{ROOT_PATH}.type",
        'Invalid value: "array": must be object at the root',
    ),
    (
        "root-additional-properties",
        lambda root: root.update(additionalProperties={"type": "string"}, properties={}),
        f"{ROOT_PATH}.additionalProperties",
        "Forbidden: must not be used at the root",
    ),
    (
        "kind-not-string",
        _set("properties.kind", {"type": "integer"}),
        f"{ROOT_PATH}.properties[kind].type",
        'Invalid value: "integer": must be string',
    ),
    (
        "embedded-not-object",
        _set(
            "properties.spec", obj(inner={"type": "string", "x-kubernetes-embedded-resource": True})
        ),
        f"{SPEC}.properties[inner].type",
        'Invalid value: "string": must be object if x-kubernetes-embedded-resource is true',
    ),
    (
        "embedded-without-properties",
        _set(
            "properties.spec", obj(inner={"type": "object", "x-kubernetes-embedded-resource": True})
        ),
        f"{SPEC}.properties[inner].properties",
        "Required value: must not be empty if x-kubernetes-embedded-resource is true without"
        " x-kubernetes-preserve-unknown-fields",
    ),
    (
        "int-or-string-preserving",
        _set(
            "properties.spec",
            obj(
                port={
                    "x-kubernetes-int-or-string": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                }
            ),
        ),
        f"{SPEC}.properties[port].x-kubernetes-preserve-unknown-fields",
        "Invalid value: true: must be false if x-kubernetes-int-or-string is true",
    ),
    (
        "type-under-junctor",
        _set("properties.spec", obj(name={"type": "string", "anyOf": [{"type": "string"}]})),
        f"{SPEC}.properties[name].anyOf[0].type",
        "Forbidden: must be empty to be structural",
    ),
    (
        "zero-default-under-junctor",
        _set("properties.spec", obj(size={"type": "integer", "anyOf": [{"default": 0}]})),
        f"{SPEC}.properties[size].anyOf[0].default",
        "Forbidden: must be undefined to be structural",
    ),
    (
        "closed-object-under-junctor",
        _set(
            "properties.spec", obj(opts={"type": "object", "not": {"additionalProperties": False}})
        ),
        f"{SPEC}.properties[opts].not.additionalProperties",
        "Forbidden: must be undefined to be structural",
    ),
    (
        "description-under-junctor",
        _set("properties.spec", obj(name={"type": "string", "not": {"description": "x"}})),
        f"{SPEC}.properties[name].not.description",
        "Forbidden: must be empty to be structural",
    ),
    # OpenAPI keywords and extensions
    (
        "unknown-type",
        _set("properties.spec", obj(size={"type": "int"})),
        f"{SPEC}.properties[size].type",
        'Unsupported value: "int": supported values: "array", "boolean", "integer", "number",'
        ' "object", "string"',
    ),
    (
        "null-type",
        _set("properties.spec", obj(size={"type": "null"})),
        f"{SPEC}.properties[size].type",
        "Forbidden: type cannot be set to null, use nullable as an alternative",
    ),
    (
        "ref",
        _set("properties.spec", obj(size={"type": "string", "$ref": "#/definitions/x"})),
        f"{SPEC}.properties[size].$ref",
        "Forbidden: $ref is not supported",
    ),
    (
        "pattern-properties",
        _set("properties.spec", {"type": "object", "patternProperties": {"^a": STRING}}),
        f"{SPEC}.patternProperties",
        "Forbidden: patternProperties is not supported",
    ),
    (
        "unique-items",
        _set("properties.spec", obj(tags={"type": "array", "items": STRING, "uniqueItems": True})),
        f"{SPEC}.properties[tags].uniqueItems",
        "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
    ),
    (
        "properties-and-additional-properties",
        _set("properties.spec", {**obj(a=STRING), "additionalProperties": STRING}),
        f"{SPEC}.additionalProperties",
        "Forbidden: additionalProperties and properties are mutual exclusive",
    ),
    (
        "preserve-unknown-fields-false",
        _set("properties.spec", {"type": "object", "x-kubernetes-preserve-unknown-fields": False}),
        f"{SPEC}.x-kubernetes-preserve-unknown-fields",
        "Invalid value: false: must be true or undefined",
    ),
    (
        "nullable-root",
        _set("nullable", True),
        f"{ROOT_PATH}.nullable",
        "Forbidden: nullable cannot be true at the root",
    ),
    (
        "default-in-metadata",
        _set("properties.metadata", {"type": "object", "default": {}}),
        f"{ROOT_PATH}.properties[metadata].default",
        "Forbidden: must not be set in top-level metadata",
    ),
    # list and map types
    (
        "list-type-on-string",
        _set("properties.spec", obj(name={"type": "string", "x-kubernetes-list-type": "set"})),
        f"{SPEC}.properties[name].type",
        'Invalid value: "string": must be array if x-kubernetes-list-type is specified',
    ),
    (
        "unknown-list-type",
        _set(
            "properties.spec",
            obj(tags={"type": "array", "items": STRING, "x-kubernetes-list-type": "bag"}),
        ),
        f"{SPEC}.properties[tags].x-kubernetes-list-type",
        'Unsupported value: "bag": supported values: "atomic", "set", "map"',
    ),
    (
        "map-keys-without-list-type",
        _set(
            "properties.spec",
            obj(
                ports={
                    "type": "array",
                    "items": {**obj(name=STRING), "required": ["name"]},
                    "x-kubernetes-list-map-keys": ["name"],
                }
            ),
        ),
        f"{SPEC}.properties[ports].x-kubernetes-list-type",
        "Required value: must be map if x-kubernetes-list-map-keys is non-empty",
    ),
    (
        "map-list-without-keys",
        _set(
            "properties.spec",
            obj(
                ports={"type": "array", "items": obj(name=STRING), "x-kubernetes-list-type": "map"}
            ),
        ),
        f"{SPEC}.properties[ports].x-kubernetes-list-map-keys",
        "Required value: must not be empty if x-kubernetes-list-type is map",
    ),
    (
        "map-key-not-a-property",
        _set(
            "properties.spec",
            obj(
                ports={
                    "type": "array",
                    "items": {**obj(name=STRING), "required": ["name"]},
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["port"],
                }
            ),
        ),
        f"{SPEC}.properties[ports].x-kubernetes-list-map-keys",
        'Invalid value: []string{"port"}: entries must all be names of item properties',
    ),
    (
        "map-key-optional",
        _set(
            "properties.spec",
            obj(
                ports={
                    "type": "array",
                    "items": obj(name=STRING),
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                }
            ),
        ),
        f"{SPEC}.properties[ports].items.properties[name].default",
        "Required value: this property is in x-kubernetes-list-map-keys, so it must have a"
        " default or be a required property",
    ),
    (
        "map-key-not-scalar",
        _set(
            "properties.spec",
            obj(
                ports={
                    "type": "array",
                    "items": {**obj(name={"type": "object"}), "required": ["name"]},
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                }
            ),
        ),
        f"{SPEC}.properties[ports].items.properties[name].type",
        'Invalid value: "object": must be a scalar type if parent array\'s'
        " x-kubernetes-list-type is map",
    ),
    (
        "map-list-of-strings",
        _set(
            "properties.spec",
            obj(
                ports={
                    "type": "array",
                    "items": STRING,
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                }
            ),
        ),
        f"{SPEC}.properties[ports].items.type",
        'Invalid value: "string": must be object if parent array\'s x-kubernetes-list-type is map',
    ),
    (
        "set-of-granular-objects",
        _set(
            "properties.spec",
            obj(
                ports={"type": "array", "items": obj(name=STRING), "x-kubernetes-list-type": "set"}
            ),
        ),
        f"{SPEC}.properties[ports].items.x-kubernetes-map-type",
        "Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set",
    ),
    (
        "map-type-on-array",
        _set(
            "properties.spec",
            obj(tags={"type": "array", "items": STRING, "x-kubernetes-map-type": "atomic"}),
        ),
        f"{SPEC}.properties[tags].type",
        'Invalid value: "array": must be object if x-kubernetes-map-type is specified',
    ),
    (
        "unknown-map-type",
        _set("properties.spec", {**obj(a=STRING), "x-kubernetes-map-type": "merged"}),
        f"{SPEC}.x-kubernetes-map-type",
        'Unsupported value: "merged": supported values: "atomic", "granular"',
    ),
    # defaults
    (
        "default-with-unknown-field",
        _set("properties.spec", {**obj(a=STRING), "default": {"a": "x", "bogus": 1}}),
        f"{SPEC}.default",
        'Invalid value: map[string]interface {}{"a":"x", "bogus":1}: must not have unknown fields',
    ),
    (
        "default-outside-enum",
        _set("properties.spec", obj(color={"type": "string", "enum": ["red"], "default": "green"})),
        f"{SPEC}.properties[color].default",
        'Unsupported value: "green": supported values: "red"',
    ),
    # rule fields
    (
        "blank-rule",
        _set("properties.spec", {**obj(a=STRING), "x-kubernetes-validations": [{"rule": " "}]}),
        f"{SPEC}.x-kubernetes-validations[0].rule",
        "Required value: rule is not specified",
    ),
    (
        "message-with-line-break",
        _set(
            "properties.spec",
            {
                **obj(a=STRING),
                "x-kubernetes-validations": [{"rule": "true", "message": "one\ntwo"}],
            },
        ),
        f"{SPEC}.x-kubernetes-validations[0].message",
        'Invalid value: "one\\ntwo": message must not contain line breaks',
    ),
    (
        "multi-line-rule-without-message",
        _set(
            "properties.spec",
            {**obj(a=STRING), "x-kubernetes-validations": [{"rule": "true &&\ntrue"}]},
        ),
        f"{SPEC}.x-kubernetes-validations[0].message",
        "Required value: message must be specified if rule contains line breaks",
    ),
    (
        "unknown-reason",
        _set(
            "properties.spec",
            {**obj(a=STRING), "x-kubernetes-validations": [{"rule": "true", "reason": "Nope"}]},
        ),
        f"{SPEC}.x-kubernetes-validations[0].reason",
        'Unsupported value: "Nope": supported values: "FieldValueDuplicate",'
        ' "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
    ),
    (
        "field-path-to-nothing",
        _set(
            "properties.spec",
            {**obj(a=STRING), "x-kubernetes-validations": [{"rule": "true", "fieldPath": ".b"}]},
        ),
        f"{SPEC}.x-kubernetes-validations[0].fieldPath",
        'Invalid value: ".b": fieldPath must be a valid path',
    ),
]


@pytest.mark.parametrize(
    ("change", "field", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_schema_is_refused_with_the_real_cause(
    extensions: client.ApiextensionsV1Api,
    change: Callable[[Schema], None],
    field: str,
    message: str,
) -> None:
    crd = gadget_crd(obj(size={"type": "integer"}))
    change(schema_of(crd))
    status = refused(extensions, crd)
    assert (field, message) in causes(status), causes(status)
    assert f"{field}: {message}" in status["message"]


def _rule_crd(rule: str, spec: Schema) -> dict[str, Any]:
    return gadget_crd({**spec, "x-kubernetes-validations": [{"rule": rule}]})


def _rule_value(rule: str) -> str:
    return (
        f'Invalid value: apiextensions.ValidationRule{{Rule:"{rule}", Message:"",'
        ' MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil),'
        ' FieldPath:"", OptionalOldSelf:(*bool)(nil)}'
    )


RULE = f"{SPEC}.x-kubernetes-validations[0].rule"


@pytest.mark.parametrize(
    ("rule", "detail"),
    [
        (
            "self.nope == 1",
            "compilation failed: ERROR: <input>:1:5: undefined field 'nope'\n | self.nope == 1\n | ....^",
        ),
        (
            "size(other) == 1",
            "compilation failed: ERROR: <input>:1:6: undeclared reference to 'other' (in container '')"
            "\n | size(other) == 1\n | .....^",
        ),
        ("size(self.name)", "cel expression must evaluate to a bool"),
        (
            "self.name.size().startsWith('a')",
            "compilation failed: ERROR: <input>:1:28: found no matching overload for 'startsWith'"
            " applied to 'int.(string)'\n | self.name.size().startsWith('a')\n | ...........................^",
        ),
        (
            "self.name == 1",
            "compilation failed: ERROR: <input>:1:11: found no matching overload for '_==_'"
            " applied to '(string, int)'\n | self.name == 1\n | ..........^",
        ),
    ],
    ids=["undefined-field", "undeclared-reference", "not-a-bool", "no-overload", "operator-types"],
)
def test_a_rule_that_does_not_compile_is_refused(
    extensions: client.ApiextensionsV1Api, rule: str, detail: str
) -> None:
    status = refused(extensions, _rule_crd(rule, obj(name={"type": "string", "maxLength": 10})))
    assert causes(status) == [(RULE, f"{_rule_value(rule)}: {detail}")]


def test_a_rule_with_a_syntax_error_is_refused(extensions: client.ApiextensionsV1Api) -> None:
    """cel-go goes on to list the tokens it expected; the position and the start are the same."""
    status = refused(extensions, _rule_crd("self.name ==", obj(name=STRING)))
    ((field, message),) = causes(status)
    assert field == RULE
    assert message.startswith(
        f"{_rule_value('self.name ==')}: compilation failed: ERROR: <input>:1:13: Syntax error:"
        " mismatched input '<EOF>'"
    )


def test_old_self_is_refused_where_old_and_new_elements_cannot_be_paired(
    extensions: client.ApiextensionsV1Api,
) -> None:
    items = {**obj(name=STRING), "x-kubernetes-validations": [{"rule": "self == oldSelf"}]}
    status = refused(extensions, gadget_crd(obj(ports={"type": "array", "items": items})))
    assert causes(status) == [
        (
            f"{SPEC}.properties[ports].items.x-kubernetes-validations[0].rule",
            'Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion'
            f" of the schema within {SPEC}.properties[ports]",
        )
    ]


def test_version_names_and_printer_columns_are_checked(
    extensions: client.ApiextensionsV1Api,
) -> None:
    crd = gadget_crd(obj(size={"type": "integer"}), name="columns")
    version = crd["spec"]["versions"][0]
    version["name"] = "V1_Alpha"
    version["additionalPrinterColumns"] = [
        {"name": "Size", "type": "int", "jsonPath": ".spec.size"},
        {
            "name": "Age",
            "type": "date",
            "format": "time",
            "jsonPath": ".metadata.creationTimestamp",
        },
        {"name": "", "type": "string", "jsonPath": ""},
    ]
    found = causes(refused(extensions, crd))
    columns = "spec.versions[0].additionalPrinterColumns"
    assert (
        f"{columns}[0].type",
        'Unsupported value: "int": supported values: "boolean", "date",'
        ' "integer", "number", "string"',
    ) in found
    assert (
        f"{columns}[1].format",
        'Unsupported value: "time": supported values: "byte", "date",'
        ' "date-time", "double", "float", "int32", "int64", "password"',
    ) in found
    assert (f"{columns}[2].name", "Required value") in found
    assert (f"{columns}[2].jsonPath", "Required value") in found
    assert any(
        field == "spec.versions[0].name"
        and message.startswith('Invalid value: "V1_Alpha": a DNS-1035')
        for field, message in found
    )


def test_old_self_is_allowed_under_an_atomic_map(extensions: client.ApiextensionsV1Api) -> None:
    """Atomic maps correlate old and new as granular ones do (the API server's MapIsCorrelatable)."""
    size = {"type": "integer", "x-kubernetes-validations": [{"rule": "self >= oldSelf"}]}
    options = {**obj(size=size), "x-kubernetes-map-type": "atomic"}
    extensions.create_custom_resource_definition(gadget_crd(obj(options=options), name="atomics"))


def test_a_rule_over_unbounded_data_exceeds_the_rule_budget(
    extensions: client.ApiextensionsV1Api,
) -> None:
    rule = "self.all(x, x.matches('^[a-z]+$'))"
    unbounded = {"type": "array", "items": STRING, "x-kubernetes-validations": [{"rule": rule}]}
    status = refused(extensions, gadget_crd(obj(tags=unbounded)))
    field = f"{SPEC}.properties[tags].x-kubernetes-validations[0].rule"
    assert (
        field,
        f"Forbidden: estimated rule cost exceeds budget by factor of more than 100x {HINT}",
    ) in causes(status)


def test_bounds_bring_the_same_rule_within_budget(extensions: client.ApiextensionsV1Api) -> None:
    rule = "self.all(x, x.matches('^[a-z]+$'))"
    bounded = {
        "type": "array",
        "maxItems": 50,
        "items": {"type": "string", "maxLength": 60},
        "x-kubernetes-validations": [{"rule": rule}],
    }
    extensions.create_custom_resource_definition(gadget_crd(obj(tags=bounded), name="bounds"))


def test_a_rule_on_list_items_costs_once_per_item(extensions: client.ApiextensionsV1Api) -> None:
    """402 units a call (1 for self, 401 for 4,000 bytes against a 3-character regex) times
    100,000 items: 4.02 times the budget."""
    items = {
        "type": "string",
        "maxLength": 1000,
        "x-kubernetes-validations": [{"rule": "self.matches('^a$')"}],
    }
    status = refused(
        extensions, gadget_crd(obj(tags={"type": "array", "maxItems": 100_000, "items": items}))
    )
    assert causes(status) == [
        (
            f"{SPEC}.properties[tags].items.x-kubernetes-validations[0].rule",
            f"Forbidden: estimated rule cost exceeds budget by factor of 4.0x {HINT}",
        )
    ]


def test_rules_together_exceed_the_crd_budget(extensions: client.ApiextensionsV1Api) -> None:
    """Each rule compares two strings of up to 80,000,000 bytes: 8,000,004 units, within one
    rule's budget; thirteen of them cost 104,000,052, over the whole schema's."""
    long = {"type": "string", "maxLength": 20_000_000}
    spec = {**obj(s=long, t=long), "x-kubernetes-validations": [{"rule": "self.s == self.t"}] * 13}
    status = refused(extensions, gadget_crd(spec))
    rules = [f"{SPEC}.x-kubernetes-validations[{i}].rule" for i in range(4)]
    contributed = "Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema"
    assert causes(status) == [
        *((rule, contributed) for rule in rules),
        (
            ROOT_PATH,
            "Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3"
            f" schema exceeds budget by factor of 1.040001x {HINT}",
        ),
    ]


def test_the_old_instance_crd_is_refused_with_the_real_message(
    extensions: client.ApiextensionsV1Api,
) -> None:
    """What kube-apiserver v1.36 said to the CRD of earlier releases."""
    crd = instance_crd()
    schema_of(crd)["properties"]["metadata"]["description"] = "Standard object metadata."
    status = refused(extensions, crd)
    assert status["message"] == (
        'CustomResourceDefinition.apiextensions.k8s.io "instances.instance-operator.dev" is invalid:'
        " spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything"
        " other than name and generateName, but metadata is implicitly specified"
    )
    assert causes(status) == [
        (
            "spec.validation.openAPIV3Schema.properties[metadata]",
            "Forbidden: must not specify anything other than name and generateName, but metadata"
            " is implicitly specified",
        )
    ]


def test_versions_with_different_schemas_are_named_one_by_one(
    extensions: client.ApiextensionsV1Api,
) -> None:
    crd = gadget_crd(obj(size={"type": "integer"}), name="versioneds")
    second = copy.deepcopy(crd["spec"]["versions"][0])
    second.update(name="v2", storage=False)
    schema_of({"spec": {"versions": [second]}})["properties"]["metadata"] = {
        "type": "object",
        "description": "x",
    }
    crd["spec"]["versions"].append(second)
    status = refused(extensions, crd)
    assert [field for field, _ in causes(status)] == [
        "spec.versions[1].schema.openAPIV3Schema.properties[metadata]"
    ]


def test_every_version_needs_a_schema(extensions: client.ApiextensionsV1Api) -> None:
    crd = gadget_crd(obj(size={"type": "integer"}), name="schemalesses")
    del crd["spec"]["versions"][0]["schema"]
    status = refused(extensions, crd)
    assert causes(status) == [
        ("spec.versions[0].schema.openAPIV3Schema", "Required value: schemas are required")
    ]


def _shipped() -> list[dict[str, Any]]:
    files = [ROOT / "crds" / "instance.yaml", *sorted(ROOT.glob("charts/*/crds/*.yaml"))]
    documents = [doc for path in files for doc in yaml.safe_load_all(path.read_text()) if doc]
    return [
        instance_crd(),
        *documents,
        *copy.deepcopy(KOPF_PEERING_CRDS),
        copy.deepcopy(WIDGET_CRD),
    ]


@pytest.mark.parametrize("crd", _shipped(), ids=lambda crd: crd["metadata"]["name"])
def test_the_crds_we_ship_and_install_pass(crd: dict[str, Any], tmp_path: Path) -> None:
    """Each on a fresh server: several files hold the same CRD."""
    with KubeAPI().running() as api:
        api_client = config.new_client_from_config(
            config_file=str(api.write_kubeconfig(tmp_path / "kubeconfig"))
        )
        try:
            client.ApiextensionsV1Api(api_client).create_custom_resource_definition(crd)
        finally:
            api_client.close()


def test_a_message_expression_must_be_a_string(extensions: client.ApiextensionsV1Api) -> None:
    rule = {"rule": "self.size > 0", "messageExpression": "self.size"}
    status = refused(
        extensions,
        gadget_crd({**obj(size={"type": "integer"}), "x-kubernetes-validations": [rule]}),
    )
    assert causes(status) == [
        (
            f"{SPEC}.x-kubernetes-validations[0].messageExpression",
            'Invalid value: apiextensions.ValidationRule{Rule:"self.size > 0", Message:"",'
            ' MessageExpression:"self.size", Reason:(*apiextensions.FieldValueErrorReason)(nil),'
            ' FieldPath:"", OptionalOldSelf:(*bool)(nil)}: messageExpression must evaluate to a string',
        )
    ]


def test_optional_old_self_needs_old_self(extensions: client.ApiextensionsV1Api) -> None:
    rule = {"rule": "self.size > 0", "optionalOldSelf": True}
    status = refused(
        extensions,
        gadget_crd({**obj(size={"type": "integer"}), "x-kubernetes-validations": [rule]}),
    )
    assert causes(status) == [
        (
            f"{SPEC}.x-kubernetes-validations[0].optionalOldSelf",
            "Invalid value: true: may not be set if oldSelf is not used in rule",
        )
    ]


def test_with_a_status_subresource_the_root_keeps_to_the_status_keywords(
    extensions: client.ApiextensionsV1Api,
) -> None:
    crd = gadget_crd(obj(size={"type": "integer"}))
    crd["spec"]["versions"][0]["subresources"] = {"status": {}}
    schema_of(crd)["maxProperties"] = 5
    status = refused(extensions, crd)
    ((field, message),) = causes(status)
    assert field == ROOT_PATH
    assert message.endswith(
        "fields are allowed at the root of the schema if the status subresource is enabled"
    )


#: Rules as CRDs commonly write them: none may be refused (cel-go accepts them all).
PLAUSIBLE_RULES = [
    "self.min <= self.max",
    "!has(self.name) || self.name.size() > 0",
    "self.labels.all(k, self.labels[k].size() < 10)",
    "self.labels.all(k, v, v.startsWith('x'))",
    "self.conditions.exists(c, c.type == 'Ready' && c.status == 'True')",
    "self.conditions.exists_one(c, c.type == 'Ready')",
    "self.conditions.map(c, c.type).size() == self.conditions.size()",
    "self.conditions.map(c, c.status == 'True', c.type).size() <= 20",
    "self.conditions.filter(c, c.type == 'Ready').size() <= 1",
    "self.name in ['a', 'b'] ? self.min > 0 : self.max > 0",
    "type(self.name) == string",
    "self.url.matches('^https://') && isURL(self.url)",
    "self.name.lowerAscii().split('-').size() < 4",
    "self.when < timestamp('2030-01-01T00:00:00Z')",
    "int(self.max) - self.min >= 0 && double(self.min) < 2.5",
    "self.metadata.name.size() < 64",
    "self.?name.orValue('x') != ''",
    "self.name + 'x' != 'x'",
    "size(self.conditions) < 20",
]


def test_plausible_rules_compile(extensions: client.ApiextensionsV1Api) -> None:
    condition = {
        **obj(
            type={"type": "string", "maxLength": 32},
            status={"type": "string", "enum": ["True", "False"]},
        ),
        "required": ["type"],
    }
    spec = obj(
        min={"type": "integer"},
        max={"type": "integer"},
        name={"type": "string", "maxLength": 63},
        url={"type": "string", "maxLength": 2048},
        when={"type": "string", "format": "date-time"},
        labels={
            "type": "object",
            "maxProperties": 20,
            "additionalProperties": {"type": "string", "maxLength": 63},
        },
        conditions={
            "type": "array",
            "maxItems": 20,
            "items": condition,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["type"],
        },
    )
    spec["x-kubernetes-validations"] = [
        {"rule": rule} for rule in PLAUSIBLE_RULES if "metadata" not in rule
    ]
    crd = gadget_crd(spec, name="plausibles")
    # The root sees metadata.name even though the schema does not declare it.
    schema_of(crd)["x-kubernetes-validations"] = [
        {"rule": rule} for rule in PLAUSIBLE_RULES if "metadata" in rule
    ]
    extensions.create_custom_resource_definition(crd)


def test_extension_functions_cost_what_kubernetes_charges(
    extensions: client.ApiextensionsV1Api,
) -> None:
    """``lowerAscii`` traverses its string: 40,000 units for 400,000 bytes, times 1,000 items
    (plus the comprehension's own 5 a step and 2 around it): 40,005,002, 4.0 times the budget."""
    tags = {
        "type": "array",
        "maxItems": 1000,
        "items": {"type": "string", "maxLength": 100_000},
        "x-kubernetes-validations": [{"rule": "self.all(x, x.lowerAscii() == 'a')"}],
    }
    status = refused(extensions, gadget_crd(obj(tags=tags)))
    assert causes(status) == [
        (
            f"{SPEC}.properties[tags].x-kubernetes-validations[0].rule",
            f"Forbidden: estimated rule cost exceeds budget by factor of 4.0x {HINT}",
        )
    ]
