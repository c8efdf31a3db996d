"""ValidatingAdmissionPolicy and its binding: refused and defaulted on write as kube-apiserver
does, and evaluated on DELETE (HTTP, dry runs and the namespace controller's sweep)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import requests

from instance_operator.kubeapi import KubeAPI

ADMISSION = "/apis/admissionregistration.k8s.io/v1"
GROUP = "instance-operator.dev"
NS = "team-a"
NAME = "instance-operator-deletion-protection"
KEY = "instance-operator.dev/deletion-protection"
EXPRESSION = (
    f"!has(oldObject.metadata.annotations) || !('{KEY}' in oldObject.metadata.annotations)"
    f" || oldObject.metadata.annotations['{KEY}'] != 'true'"
)
MESSAGE_EXPRESSION = (
    "'Instance ' + oldObject.metadata.namespace + '/' + oldObject.metadata.name"
    f" + ' has annotation {KEY}=true; remove it before deleting'"
)
POLICY: dict[str, Any] = {
    "apiVersion": "admissionregistration.k8s.io/v1",
    "kind": "ValidatingAdmissionPolicy",
    "metadata": {"name": NAME},
    "spec": {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": [GROUP],
                    "apiVersions": ["*"],
                    "operations": ["DELETE"],
                    "resources": ["instances"],
                }
            ]
        },
        "validations": [
            {
                "expression": EXPRESSION,
                "reason": "Forbidden",
                "messageExpression": MESSAGE_EXPRESSION,
                "message": "deletion protection is on",
            }
        ],
    },
}
BINDING: dict[str, Any] = {
    "apiVersion": "admissionregistration.k8s.io/v1",
    "kind": "ValidatingAdmissionPolicyBinding",
    "metadata": {"name": NAME},
    "spec": {"policyName": NAME, "validationActions": ["Deny"]},
}
INSTANCE_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"instances.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": "instances", "singular": "instance", "kind": "Instance"},
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                        },
                    }
                },
            }
        ],
    },
}
UNMODELLED = "not modelled by the embedded Kubernetes API"


def instances(api: KubeAPI, namespace: str = NS) -> str:
    return f"{api.url}/apis/{GROUP}/v1alpha1/namespaces/{namespace}/instances"


def create(api: KubeAPI, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{api.url}{path}", json=body, timeout=10)


def install(api: KubeAPI, policy: dict[str, Any], binding: dict[str, Any]) -> None:
    for path, body in (
        (f"{ADMISSION}/validatingadmissionpolicies", policy),
        (f"{ADMISSION}/validatingadmissionpolicybindings", binding),
    ):
        created = create(api, path, body)
        assert created.status_code == 201, created.text


def new_instance(api: KubeAPI, name: str, protection: str | None = None) -> None:
    metadata: dict[str, Any] = {"name": name}
    if protection is not None:
        metadata["annotations"] = {KEY: protection}
    body = {"apiVersion": f"{GROUP}/v1alpha1", "kind": "Instance", "metadata": metadata}
    created = requests.post(instances(api), json=body | {"spec": {}}, timeout=10)
    assert created.status_code == 201, created.text


def annotate(api: KubeAPI, name: str, value: str | None) -> None:
    patch = {"metadata": {"annotations": {KEY: value}}}
    patched = requests.patch(
        f"{instances(api)}/{name}",
        json=patch,
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert patched.status_code == 200, patched.text


def delete(api: KubeAPI, name: str, **params: str) -> requests.Response:
    return requests.delete(f"{instances(api)}/{name}", params=params, timeout=10)


@pytest.fixture
def cluster(api: KubeAPI) -> KubeAPI:
    """The Instance CRD and a namespace, no policy yet."""
    crd = create(api, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", INSTANCE_CRD)
    assert crd.status_code == 201, crd.text
    namespace = create(api, "/api/v1/namespaces", {"metadata": {"name": NS}})
    assert namespace.status_code == 201, namespace.text
    return api


@pytest.fixture
def protected(cluster: KubeAPI) -> KubeAPI:
    """The chart's deletion protection installed."""
    install(cluster, POLICY, BINDING)
    return cluster


# -- writes -------------------------------------------------------------------------------------


def test_defaults_filled_and_generation_1(api: KubeAPI) -> None:
    install(api, POLICY, BINDING)
    policy = api.get("validatingadmissionpolicies", NAME)
    binding = api.get("validatingadmissionpolicybindings", NAME)

    match = policy["spec"]["matchConstraints"]
    assert match["matchPolicy"] == "Equivalent"
    assert match["namespaceSelector"] == {}
    assert match["objectSelector"] == {}
    assert match["resourceRules"][0]["scope"] == "*"
    assert policy["metadata"]["generation"] == 1
    assert binding["metadata"]["generation"] == 1
    assert "matchResources" not in binding["spec"]


def test_failure_policy_defaults_to_fail(api: KubeAPI) -> None:
    policy = copy.deepcopy(POLICY)
    del policy["spec"]["failurePolicy"]
    install(api, policy, BINDING)
    assert api.get("validatingadmissionpolicies", NAME)["spec"]["failurePolicy"] == "Fail"


def test_discovery_lists_both_kinds_cluster_scoped(api: KubeAPI) -> None:
    listed = requests.get(f"{api.url}{ADMISSION}", timeout=10).json()
    found = {r["name"]: r for r in listed["resources"]}
    assert found["validatingadmissionpolicies"]["kind"] == "ValidatingAdmissionPolicy"
    assert found["validatingadmissionpolicies"]["namespaced"] is False
    assert found["validatingadmissionpolicybindings"]["namespaced"] is False


Edit = Callable[[dict[str, Any]], None]


def _rule(spec: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = spec["matchConstraints"]["resourceRules"][0]
    return rule


def _validation(spec: dict[str, Any]) -> dict[str, Any]:
    validation: dict[str, Any] = spec["validations"][0]
    return validation


POLICY_REFUSALS: list[tuple[str, Edit, str, str]] = [
    (
        "failurePolicy",
        lambda s: s.update(failurePolicy="Never"),
        "spec.failurePolicy",
        'Unsupported value: "Never": supported values: "Fail", "Ignore"',
    ),
    (
        "matchConstraints",
        lambda s: s.pop("matchConstraints"),
        "spec.matchConstraints",
        "Required value",
    ),
    (
        "resourceRules",
        lambda s: s["matchConstraints"].update(resourceRules=[]),
        "spec.matchConstraints.resourceRules",
        "Required value",
    ),
    (
        "matchPolicy",
        lambda s: s["matchConstraints"].update(matchPolicy="Loose"),
        "spec.matchConstraints.matchPolicy",
        'Unsupported value: "Loose": supported values: "Equivalent", "Exact"',
    ),
    (
        "operations-required",
        lambda s: _rule(s).update(operations=[]),
        "spec.matchConstraints.resourceRules[0].operations",
        "Required value",
    ),
    (
        "operations-wildcard",
        lambda s: _rule(s).update(operations=["DELETE", "*"]),
        "spec.matchConstraints.resourceRules[0].operations",
        'Invalid value: []admissionregistration.OperationType{"DELETE", "*"}:'
        " if '*' is present, must not specify other operations",
    ),
    (
        "operations-unsupported",
        lambda s: _rule(s).update(operations=["PATCH"]),
        "spec.matchConstraints.resourceRules[0].operations[0]",
        'Unsupported value: "PATCH": supported values:'
        ' "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
    ),
    (
        "apiGroups-required",
        lambda s: _rule(s).update(apiGroups=[]),
        "spec.matchConstraints.resourceRules[0].apiGroups",
        "Required value",
    ),
    (
        "apiGroups-wildcard",
        lambda s: _rule(s).update(apiGroups=["*", GROUP]),
        "spec.matchConstraints.resourceRules[0].apiGroups",
        'Invalid value: []string{"*", "instance-operator.dev"}:'
        " if '*' is present, must not specify other API groups",
    ),
    (
        "apiVersions-wildcard",
        lambda s: _rule(s).update(apiVersions=["*", "v1alpha1"]),
        "spec.matchConstraints.resourceRules[0].apiVersions",
        'Invalid value: []string{"*", "v1alpha1"}:'
        " if '*' is present, must not specify other API versions",
    ),
    (
        "apiVersions-empty-entry",
        lambda s: _rule(s).update(apiVersions=[""]),
        "spec.matchConstraints.resourceRules[0].apiVersions[0]",
        "Required value",
    ),
    (
        "resources-required",
        lambda s: _rule(s).update(resources=[]),
        "spec.matchConstraints.resourceRules[0].resources",
        "Required value",
    ),
    (
        "resources-wildcard",
        lambda s: _rule(s).update(resources=["*", "instances"]),
        "spec.matchConstraints.resourceRules[0].resources",
        'Invalid value: []string{"*", "instances"}:'
        " if '*' is present, must not specify other resources without subresources",
    ),
    (
        "resources-double-wildcard",
        lambda s: _rule(s).update(resources=["*/*", "instances/status"]),
        "spec.matchConstraints.resourceRules[0].resources",
        'Invalid value: []string{"*/*", "instances/status"}:'
        " if '*/*' is present, must not specify other resources",
    ),
    (
        "resources-subresource-wildcard",
        lambda s: _rule(s).update(resources=["instances/*", "instances/status"]),
        "spec.matchConstraints.resourceRules[0].resources[1]",
        'Invalid value: "instances/status":'
        " if 'instances/*' is present, must not specify instances/status",
    ),
    (
        "scope",
        lambda s: _rule(s).update(scope="Global"),
        "spec.matchConstraints.resourceRules[0].scope",
        'Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"',
    ),
    (
        "validations",
        lambda s: s.pop("validations"),
        "spec.validations",
        "Required value: validations or auditAnnotations must contain at least one item",
    ),
    (
        "expression-required",
        lambda s: _validation(s).update(expression="  "),
        "spec.validations[0].expression",
        "Required value: expression is not specified",
    ),
    (
        "expression-compiles",
        lambda s: _validation(s).update(expression="foo == 1"),
        "spec.validations[0].expression",
        'Invalid value: "foo == 1": compilation failed: ERROR: <input>:1:1:'
        " undeclared reference to 'foo' (in container '')\n | foo == 1\n | ^",
    ),
    (
        "expression-bool",
        lambda s: _validation(s).update(expression="'yes'"),
        "spec.validations[0].expression",
        "Invalid value: \"'yes'\": must evaluate to bool but got string",
    ),
    (
        "request-typed",
        lambda s: _validation(s).update(expression="request.verb == 'delete'"),
        "spec.validations[0].expression",
        "Invalid value: \"request.verb == 'delete'\": compilation failed: ERROR: <input>:1:8:"
        " undefined field 'verb'\n | request.verb == 'delete'\n | .......^",
    ),
    (
        "messageExpression-string",
        lambda s: _validation(s).update(messageExpression="1 == 1"),
        "spec.validations[0].messageExpression",
        'Invalid value: "1 == 1": must evaluate to string but got bool',
    ),
    (
        "messageExpression-blank",
        lambda s: _validation(s).update(messageExpression=" "),
        "spec.validations[0].messageExpression",
        'Invalid value: " ": must be non-empty if specified',
    ),
    (
        "message-line-break",
        lambda s: _validation(s).update(message="no\nway"),
        "spec.validations[0].message",
        'Invalid value: "no\\nway": message must not contain line breaks',
    ),
    (
        "reason",
        lambda s: _validation(s).update(reason="Unauthorized"),
        "spec.validations[0].reason",
        'Unsupported value: "Unauthorized": supported values:'
        ' "Forbidden", "Invalid", "RequestEntityTooLarge"',
    ),
]


def _refusal(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["reason"] == "Invalid"
    return {cause["field"]: cause["message"] for cause in body["details"]["causes"]}


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [pytest.param(edit, field, message, id=case) for case, edit, field, message in POLICY_REFUSALS],
)
def test_policy_refused_with_the_real_field_and_words(
    api: KubeAPI, edit: Edit, field: str, message: str
) -> None:
    policy = copy.deepcopy(POLICY)
    edit(policy["spec"])
    response = create(api, f"{ADMISSION}/validatingadmissionpolicies", policy)
    assert _refusal(response)[field] == message


def test_one_refusal_reads_as_the_api_servers_message(api: KubeAPI) -> None:
    policy = copy.deepcopy(POLICY)
    _validation(policy["spec"])["reason"] = "Unauthorized"
    response = create(api, f"{ADMISSION}/validatingadmissionpolicies", policy)
    assert response.json()["message"] == (
        f'ValidatingAdmissionPolicy.admissionregistration.k8s.io "{NAME}" is invalid:'
        ' spec.validations[0].reason: Unsupported value: "Unauthorized": supported values:'
        ' "Forbidden", "Invalid", "RequestEntityTooLarge"'
    )
    assert response.json()["details"]["causes"][0]["reason"] == "FieldValueNotSupported"


def test_missing_validations_give_two_causes(api: KubeAPI) -> None:
    policy = copy.deepcopy(POLICY)
    del policy["spec"]["validations"]
    causes = _refusal(create(api, f"{ADMISSION}/validatingadmissionpolicies", policy))
    detail = "Required value: validations or auditAnnotations must contain at least one item"
    assert causes == {"spec.validations": detail, "spec.auditAnnotations": detail}


BINDING_REFUSALS: list[tuple[str, Edit, str, str]] = [
    ("policyName", lambda s: s.pop("policyName"), "spec.policyName", "Required value"),
    (
        "actions-required",
        lambda s: s.update(validationActions=[]),
        "spec.validationActions",
        "Required value: at least one validation action is required",
    ),
    (
        "actions-unsupported",
        lambda s: s.update(validationActions=["Block"]),
        "spec.validationActions[0]",
        'Unsupported value: "Block": supported values: "Audit", "Deny", "Warn"',
    ),
    (
        "actions-duplicate",
        lambda s: s.update(validationActions=["Deny", "Deny"]),
        "spec.validationActions[1]",
        'Duplicate value: "Deny"',
    ),
    (
        "actions-deny-and-warn",
        lambda s: s.update(validationActions=["Deny", "Warn"]),
        "spec.validationActions",
        'Invalid value: []admissionregistration.ValidationAction{"Deny", "Warn"}: must not'
        " contain both Deny and Warn (repeating the same validation failure information in"
        " the API response and headers serves no purpose)",
    ),
]


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [pytest.param(e, f, m, id=case) for case, e, f, m in BINDING_REFUSALS],
)
def test_binding_refused_with_the_real_field_and_words(
    api: KubeAPI, edit: Edit, field: str, message: str
) -> None:
    binding = copy.deepcopy(BINDING)
    edit(binding["spec"])
    response = create(api, f"{ADMISSION}/validatingadmissionpolicybindings", binding)
    assert _refusal(response)[field] == message


SELECTOR = {"matchLabels": {"a": "b"}}
UNMODELLED_POLICY: list[tuple[str, Edit, str]] = [
    (
        "paramKind",
        lambda s: s.update(paramKind={"apiVersion": "v1", "kind": "ConfigMap"}),
        "spec.paramKind",
    ),
    (
        "matchConditions",
        lambda s: s.update(matchConditions=[{"name": "a", "expression": "true"}]),
        "spec.matchConditions",
    ),
    (
        "variables",
        lambda s: s.update(variables=[{"name": "a", "expression": "1"}]),
        "spec.variables",
    ),
    (
        "auditAnnotations",
        lambda s: s.update(auditAnnotations=[{"key": "a", "valueExpression": "'x'"}]),
        "spec.auditAnnotations",
    ),
    (
        "excludeResourceRules",
        lambda s: s["matchConstraints"].update(excludeResourceRules=[_rule(s)]),
        "spec.matchConstraints.excludeResourceRules",
    ),
    (
        "resourceNames",
        lambda s: _rule(s).update(resourceNames=["db1"]),
        "spec.matchConstraints.resourceRules[0].resourceNames",
    ),
    (
        "namespaceSelector",
        lambda s: s["matchConstraints"].update(namespaceSelector=SELECTOR),
        "spec.matchConstraints.namespaceSelector",
    ),
    (
        "objectSelector",
        lambda s: s["matchConstraints"].update(objectSelector=SELECTOR),
        "spec.matchConstraints.objectSelector",
    ),
    (
        "operations-create",
        lambda s: _rule(s).update(operations=["CREATE"]),
        "spec.matchConstraints.resourceRules[0].operations[0]",
    ),
]


@pytest.mark.parametrize(
    ("edit", "field"), [pytest.param(e, f, id=case) for case, e, f in UNMODELLED_POLICY]
)
def test_unmodelled_policy_fields_are_refused(api: KubeAPI, edit: Edit, field: str) -> None:
    policy = copy.deepcopy(POLICY)
    edit(policy["spec"])
    causes = _refusal(create(api, f"{ADMISSION}/validatingadmissionpolicies", policy))
    assert causes[field].startswith("Forbidden: ")
    assert "embedded Kubernetes API" in causes[field]


@pytest.mark.parametrize(
    ("field", "value"),
    [("paramRef", {"name": "p", "parameterNotFoundAction": "Deny"}), ("matchResources", {})],
)
def test_unmodelled_binding_fields_are_refused(api: KubeAPI, field: str, value: Any) -> None:
    binding = copy.deepcopy(BINDING)
    binding["spec"][field] = value
    causes = _refusal(create(api, f"{ADMISSION}/validatingadmissionpolicybindings", binding))
    assert causes[f"spec.{field}"].startswith(f"Forbidden: {UNMODELLED}")


# -- DELETE -------------------------------------------------------------------------------------

DENIED = (
    f"instances.{GROUP} \"db1\" is forbidden: ValidatingAdmissionPolicy '{NAME}' with binding"
    f" '{NAME}' denied request: "
)


def test_protected_instance_delete_refused_403(protected: KubeAPI) -> None:
    new_instance(protected, "db1", "true")
    response = delete(protected, "db1")

    assert response.status_code == 403
    text = f"Instance {NS}/db1 has annotation {KEY}=true; remove it before deleting"
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": DENIED + text,
        "reason": "Forbidden",
        "details": {
            "name": "db1",
            "group": GROUP,
            "kind": "instances",
            "causes": [{"message": DENIED.split(" is forbidden: ")[1] + text}],
        },
        "code": 403,
    }
    assert protected.get("instances", "db1", NS)["metadata"].get("deletionTimestamp") is None


def test_dry_run_delete_is_evaluated_too(protected: KubeAPI) -> None:
    new_instance(protected, "db1", "true")
    assert delete(protected, "db1", dryRun="All").status_code == 403


@pytest.mark.parametrize("protection", [None, "false", "True"])
def test_delete_allowed_without_the_annotation_true(
    protected: KubeAPI, protection: str | None
) -> None:
    new_instance(protected, "db1", protection)
    assert delete(protected, "db1").status_code == 200
    assert protected.objects("instances", NS) == []


def test_delete_allowed_after_the_annotation_is_removed(protected: KubeAPI) -> None:
    new_instance(protected, "db1", "true")
    assert delete(protected, "db1").status_code == 403
    annotate(protected, "db1", None)
    assert delete(protected, "db1").status_code == 200


def test_without_reason_the_refusal_is_422_invalid_with_the_fallback_message(
    cluster: KubeAPI,
) -> None:
    policy = copy.deepcopy(POLICY)
    validation = _validation(policy["spec"])
    for field in ("reason", "messageExpression", "message"):
        del validation[field]
    install(cluster, policy, BINDING)
    new_instance(cluster, "db1", "true")
    response = delete(cluster, "db1")

    assert response.status_code == 422
    assert response.json()["reason"] == "Invalid"
    assert response.json()["message"] == DENIED + f"failed expression: {EXPRESSION}"


def test_message_is_used_when_there_is_no_message_expression(cluster: KubeAPI) -> None:
    policy = copy.deepcopy(POLICY)
    del _validation(policy["spec"])["messageExpression"]
    install(cluster, policy, BINDING)
    new_instance(cluster, "db1", "true")
    assert delete(cluster, "db1").json()["message"] == DENIED + "deletion protection is on"


@pytest.mark.parametrize(("failure_policy", "status"), [("Fail", 422), ("Ignore", 200)])
def test_evaluation_error_obeys_failure_policy(
    cluster: KubeAPI, failure_policy: str, status: int
) -> None:
    policy = copy.deepcopy(POLICY)
    policy["spec"]["failurePolicy"] = failure_policy
    _validation(policy["spec"])["expression"] = "oldObject.spec.size > 1"
    install(cluster, policy, BINDING)
    new_instance(cluster, "db1")
    response = delete(cluster, "db1")

    assert response.status_code == status
    if status == 422:
        assert response.json()["reason"] == "Invalid"
        assert response.json()["message"] == (
            DENIED + "expression 'oldObject.spec.size > 1' resulted in error: no such key: size"
        )


def test_warn_answers_with_a_warning_header_and_deletes(cluster: KubeAPI) -> None:
    binding = copy.deepcopy(BINDING)
    binding["spec"]["validationActions"] = ["Warn"]
    install(cluster, POLICY, binding)
    new_instance(cluster, "db1", "true")
    response = delete(cluster, "db1")

    assert response.status_code == 200
    text = f"Instance {NS}/db1 has annotation {KEY}=true; remove it before deleting"
    assert response.headers["Warning"] == (
        f"299 - \"Validation failed for ValidatingAdmissionPolicy '{NAME}' with binding '{NAME}':"
        f' {text}"'
    )
    assert cluster.objects("instances", NS) == []


def test_a_binding_to_a_missing_policy_is_ignored(cluster: KubeAPI) -> None:
    binding = copy.deepcopy(BINDING)
    binding["spec"]["policyName"] = "nowhere"
    created = create(cluster, f"{ADMISSION}/validatingadmissionpolicybindings", binding)
    assert created.status_code == 201, created.text
    new_instance(cluster, "db1", "true")
    assert delete(cluster, "db1").status_code == 200


def test_a_policy_without_binding_does_nothing(cluster: KubeAPI) -> None:
    created = create(cluster, f"{ADMISSION}/validatingadmissionpolicies", POLICY)
    assert created.status_code == 201, created.text
    new_instance(cluster, "db1", "true")
    assert delete(cluster, "db1").status_code == 200


def test_policies_never_apply_to_policies_and_bindings(api: KubeAPI) -> None:
    policy = copy.deepcopy(POLICY)
    rule = _rule(policy["spec"])
    rule.update(apiGroups=["*"], resources=["*"])
    _validation(policy["spec"])["expression"] = "false"
    install(api, policy, BINDING)
    for plural in ("validatingadmissionpolicybindings", "validatingadmissionpolicies"):
        response = requests.delete(f"{api.url}{ADMISSION}/{plural}/{NAME}", timeout=10)
        assert response.status_code == 200, response.text


def test_request_variable_is_bound(cluster: KubeAPI) -> None:
    policy = copy.deepcopy(POLICY)
    _validation(policy["spec"])["expression"] = (
        "request.operation == 'DELETE' && request.name == 'db1' && request.namespace == 'team-a'"
        " && request.resource.resource == 'instances' && request.kind.kind == 'Instance'"
        " && request.userInfo.username == 'system:anonymous' && object == null"
    )
    install(cluster, policy, BINDING)
    new_instance(cluster, "db1")
    assert delete(cluster, "db1").status_code == 200


# -- namespace deletion -------------------------------------------------------------------------


def namespace_conditions(api: KubeAPI) -> dict[str, tuple[str, str, str]]:
    namespace = api.get("namespaces", NS)
    assert namespace["status"]["phase"] == "Terminating"
    return {
        c["type"]: (c["status"], c["reason"], c["message"])
        for c in namespace["status"]["conditions"]
    }


def test_namespace_deletion_waits_for_protection_to_be_removed(protected: KubeAPI) -> None:
    new_instance(protected, "db1", "true")
    new_instance(protected, "db2")
    assert requests.delete(f"{protected.url}/api/v1/namespaces/{NS}", timeout=10).ok

    # Instances go in name order and the refusal ends the collection's deletion: db2 stays too.
    assert [i["metadata"]["name"] for i in protected.objects("instances", NS)] == ["db1", "db2"]
    refusal = (
        f"instances.{GROUP} \"Unknown\" is forbidden: ValidatingAdmissionPolicy '{NAME}' with"
        f" binding '{NAME}' denied request: Instance {NS}/db1 has annotation {KEY}=true;"
        " remove it before deleting"
    )
    conditions = namespace_conditions(protected)
    assert conditions["NamespaceDeletionContentFailure"] == (
        "True",
        "ContentDeletionFailed",
        f"Failed to delete all resource types, 1 remaining: {refusal}",
    )
    assert conditions["NamespaceContentRemaining"][0] == "True"

    annotate(protected, "db1", "false")

    assert protected.objects("instances", NS) == []
    assert requests.get(f"{protected.url}/api/v1/namespaces/{NS}", timeout=10).status_code == 404


def test_namespace_deletion_resumes_when_the_binding_goes(protected: KubeAPI) -> None:
    new_instance(protected, "db1", "true")
    assert requests.delete(f"{protected.url}/api/v1/namespaces/{NS}", timeout=10).ok
    assert namespace_conditions(protected)["NamespaceDeletionContentFailure"][0] == "True"

    gone = requests.delete(
        f"{protected.url}{ADMISSION}/validatingadmissionpolicybindings/{NAME}", timeout=10
    )
    assert gone.status_code == 200

    assert requests.get(f"{protected.url}/api/v1/namespaces/{NS}", timeout=10).status_code == 404
