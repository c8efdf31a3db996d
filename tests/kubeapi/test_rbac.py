"""RBAC in the embedded API: who a token is, what a rule grants, the 403 wording, escalation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from instance_operator.kubeapi import KubeAPI
from instance_operator.kubeapi.rbac.requestinfo import Attributes, User, parse
from instance_operator.kubeapi.rbac.rules import PolicyRule, allows, compact, covers

SA = "system:serviceaccount:ops:instance-operator"
SA_GROUPS = ("system:serviceaccounts", "system:serviceaccounts:ops", "system:authenticated")
RBAC = "/apis/rbac.authorization.k8s.io/v1"
INSTANCES = "/apis/instance-operator.dev/v1alpha1"


def request(verb: str, resource: str, *, group: str = "", **more: Any) -> Attributes:
    return Attributes(
        User("u"), verb, "", resource_request=True, api_group=group, resource=resource, **more
    )


# -- requests as RBAC sees them -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/a/secrets/s", {}, ("get", "", "a", "secrets", "", "s")),
        ("GET", "/api/v1/namespaces/a/secrets", {}, ("list", "", "a", "secrets", "", "")),
        ("GET", "/api/v1/secrets", {"watch": "true"}, ("watch", "", "", "secrets", "", "")),
        ("GET", "/api/v1/watch/namespaces/a/secrets", {}, ("watch", "", "a", "secrets", "", "")),
        ("GET", "/api/v1/namespaces/a", {}, ("get", "", "a", "namespaces", "", "a")),
        (
            "PUT",
            "/api/v1/namespaces/a/status",
            {},
            ("update", "", "a", "namespaces", "status", "a"),
        ),
        ("GET", "/api/v1/namespaces", {}, ("list", "", "", "namespaces", "", "")),
        (
            "PATCH",
            f"{INSTANCES}/namespaces/team-a/instances/web-1/status",
            {},
            ("patch", "instance-operator.dev", "team-a", "instances", "status", "web-1"),
        ),
        (
            "POST",
            "/api/v1/namespaces/ops/serviceaccounts/io/token",
            {},
            ("create", "", "ops", "serviceaccounts", "token", "io"),
        ),
        (
            "DELETE",
            "/api/v1/namespaces/a/secrets",
            {},
            ("deletecollection", "", "a", "secrets", "", ""),
        ),
        ("DELETE", "/api/v1/namespaces/a/secrets/s", {}, ("delete", "", "a", "secrets", "", "s")),
        # A list or watch of one object by name is authorized with that name.
        (
            "GET",
            "/apis/kopf.dev/v1/clusterkopfpeerings",
            {"watch": "1", "fieldSelector": "metadata.name=io"},
            ("watch", "kopf.dev", "", "clusterkopfpeerings", "", "io"),
        ),
        (
            "GET",
            "/api/v1/namespaces/a/secrets",
            {"fieldSelector": "type=x,metadata.name==s"},
            ("list", "", "a", "secrets", "", "s"),
        ),
        (
            "GET",
            "/api/v1/namespaces/a/secrets",
            {"fieldSelector": "metadata.name!=s"},
            ("list", "", "a", "secrets", "", ""),
        ),
        ("GET", "/api/v1/secrets", {"watch": "False"}, ("list", "", "", "secrets", "", "")),
        ("GET", "/api/v1/secrets", {"watch": "0"}, ("list", "", "", "secrets", "", "")),
        ("GET", "/api/v1/secrets", {"watch": ""}, ("watch", "", "", "secrets", "", "")),
    ],
)
def test_request_attributes(
    method: str, path: str, query: dict[str, str], expected: tuple[str, ...]
) -> None:
    found = parse(User("u"), method, path, query)
    assert found.resource_request
    assert (
        found.verb,
        found.api_group,
        found.namespace,
        found.resource,
        found.subresource,
        found.name,
    ) == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api"), ("GET", "/api/v1"), ("GET", "/apis/kopf.dev/v1"), ("POST", "/healthz")],
)
def test_non_resource_requests(method: str, path: str) -> None:
    found = parse(User("u"), method, path, {})
    assert not found.resource_request
    assert (found.verb, found.path) == (method.lower(), path)


# -- rules --------------------------------------------------------------------------------------


def test_a_rule_matches_verb_group_resource_and_name() -> None:
    rule = PolicyRule(verbs=("get", "patch"), api_groups=("kopf.dev",), resources=("peerings",))
    assert allows(rule, request("get", "peerings", group="kopf.dev", name="x"))
    assert not allows(rule, request("list", "peerings", group="kopf.dev"))
    assert not allows(rule, request("get", "peerings", group=""))
    assert not allows(rule, request("get", "others", group="kopf.dev"))
    everything = PolicyRule(verbs=("*",), api_groups=("*",), resources=("*",))
    assert allows(everything, request("deletecollection", "secrets"))
    assert allows(everything, request("patch", "instances", group="g", subresource="status"))


def test_a_subresource_needs_its_own_grant_or_a_star() -> None:
    main = PolicyRule(verbs=("patch",), api_groups=("g",), resources=("instances",))
    status = PolicyRule(verbs=("patch",), api_groups=("g",), resources=("instances/status",))
    any_status = PolicyRule(verbs=("patch",), api_groups=("g",), resources=("*/status",))
    any_scale = PolicyRule(verbs=("patch",), api_groups=("g",), resources=("*/scale",))
    patch_status = request("patch", "instances", group="g", subresource="status")
    assert not allows(main, patch_status)
    assert allows(status, patch_status)
    assert not allows(status, request("patch", "instances", group="g"))
    assert allows(any_status, patch_status)
    assert not allows(any_status, request("patch", "instances", group="g"))
    assert not allows(any_scale, patch_status)
    assert allows(any_scale, request("patch", "deployments", group="g", subresource="scale"))


def test_resource_names_limit_a_rule_to_those_objects() -> None:
    rule = PolicyRule(
        verbs=("get", "list"), api_groups=("",), resources=("secrets",), resource_names=("a",)
    )
    assert allows(rule, request("get", "secrets", name="a"))
    assert not allows(rule, request("get", "secrets", name="b"))
    assert not allows(rule, request("list", "secrets"))  # a list of all of them has no name
    assert allows(rule, request("list", "secrets", name="a"))  # metadata.name=a


def test_non_resource_urls_match_exactly_or_by_prefix() -> None:
    rule = PolicyRule(verbs=("get",), non_resource_urls=("/healthz", "/apis/*"))

    def path(verb: str, url: str) -> Attributes:
        return Attributes(User("u"), verb, url)

    assert allows(rule, path("get", "/healthz"))
    assert not allows(rule, path("get", "/healthz/etcd"))
    assert allows(rule, path("get", "/apis/kopf.dev"))
    assert not allows(rule, path("get", "/apis"))
    assert not allows(rule, path("post", "/healthz"))
    assert not allows(rule, request("get", "healthz"))  # a non-resource rule grants no resource


def test_covering_breaks_rules_down_and_honours_stars() -> None:
    owner = [
        PolicyRule(verbs=("get", "list"), api_groups=("",), resources=("secrets", "*/status")),
        PolicyRule(
            verbs=("get",), api_groups=("",), resources=("configmaps",), resource_names=("a",)
        ),
    ]
    assert not covers(
        owner, [PolicyRule(verbs=("list",), api_groups=("",), resources=("secrets",))]
    )
    assert not covers(
        owner, [PolicyRule(verbs=("get",), api_groups=("",), resources=("pods/status",))]
    )
    assert not covers(
        owner,
        [
            PolicyRule(
                verbs=("get",), api_groups=("",), resources=("configmaps",), resource_names=("a",)
            )
        ],
    )
    # A rule for named objects covers only those names, and never all objects.
    for names in (("b",), ()):
        wanted = PolicyRule(
            verbs=("get",), api_groups=("",), resources=("configmaps",), resource_names=names
        )
        assert covers(owner, [wanted]) == [wanted]
    missing = covers(
        owner,
        [
            PolicyRule(
                verbs=("get", "patch", "delete"),
                api_groups=("",),
                resources=("secrets", "configmaps"),
            )
        ],
    )
    assert sorted(rule.compact_string() for rule in compact(missing)) == [
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "patch" "delete"]}',
        '{APIGroups:[""], Resources:["secrets"], Verbs:["patch" "delete"]}',
    ]


# -- the server ---------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[KubeAPI]:
    with KubeAPI(authorization=True).running() as running:
        admin = Client(running, running.token)
        for namespace in ("ops", "team-a"):
            admin.post("/api/v1/namespaces", {"metadata": {"name": namespace}}, expect=201)
        admin.post(
            "/api/v1/namespaces/ops/serviceaccounts",
            {"metadata": {"name": "instance-operator"}},
            expect=201,
        )
        yield running


class Client:
    def __init__(self, api: KubeAPI, token: str | None) -> None:
        self.url = api.url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: Any = None, *, expect: int, **params: str) -> Any:
        headers = dict(self.headers)
        if method == "PATCH":
            headers["Content-Type"] = "application/merge-patch+json"
        response = requests.request(
            method, self.url + path, json=body, headers=headers, params=params, timeout=10
        )
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def get(self, path: str, *, expect: int = 200, **params: str) -> Any:
        return self.call("GET", path, expect=expect, **params)

    def post(self, path: str, body: Any, *, expect: int = 201) -> Any:
        return self.call("POST", path, body, expect=expect)

    def patch(self, path: str, body: Any, *, expect: int = 200) -> Any:
        return self.call("PATCH", path, body, expect=expect)


@pytest.fixture
def admin(api: KubeAPI) -> Client:
    return Client(api, api.token)


@pytest.fixture
def operator(api: KubeAPI, admin: Client) -> Client:
    """The ServiceAccount, with a token from its TokenRequest subresource."""
    answer = admin.post(
        "/api/v1/namespaces/ops/serviceaccounts/instance-operator/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    assert answer["kind"] == "TokenRequest"
    return Client(api, answer["status"]["token"])


def grant(admin: Client, namespace: str, name: str, rules: list[dict[str, Any]]) -> None:
    """A Role and a RoleBinding of it to the operator's ServiceAccount."""
    role = {"metadata": {"name": name}, "rules": rules}
    admin.post(f"{RBAC}/namespaces/{namespace}/roles", role)
    admin.post(f"{RBAC}/namespaces/{namespace}/rolebindings", binding(name, "Role", name))


def binding(name: str, kind: str, role: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": "instance-operator", "namespace": "ops"}],
    }


def test_the_admin_token_may_do_anything_and_a_bad_token_nothing(
    api: KubeAPI, admin: Client
) -> None:
    admin.get("/api/v1/namespaces/team-a/secrets")
    admin.call("DELETE", "/api/v1/namespaces/team-a/secrets/none", expect=404)
    assert Client(api, "wrong").get("/version", expect=401)["reason"] == "Unauthorized"


def test_anonymous_users_see_health_and_version_only(api: KubeAPI) -> None:
    anonymous = Client(api, None)
    anonymous.get("/version")
    requests.get(api.url + "/healthz", timeout=10).raise_for_status()
    refused = anonymous.get("/api", expect=403)
    assert refused["message"] == 'forbidden: User "system:anonymous" cannot get path "/api"'
    assert refused["details"] == {}


def test_a_service_account_discovers_but_may_do_nothing_else(operator: Client) -> None:
    operator.get("/api")
    operator.get("/apis")
    operator.get("/api/v1")
    operator.get("/openapi/v3")
    refused = operator.patch(
        f"{INSTANCES}/namespaces/team-a/instances/web-1/status", {}, expect=403
    )
    assert refused == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": (
            'instances.instance-operator.dev "web-1" is forbidden: User '
            f'"{SA}" cannot patch resource "instances/status" in API group '
            '"instance-operator.dev" in the namespace "team-a"'
        ),
        "reason": "Forbidden",
        "details": {"name": "web-1", "group": "instance-operator.dev", "kind": "instances"},
        "code": 403,
    }
    assert operator.get("/api/v1/namespaces", expect=403)["message"] == (
        f'namespaces is forbidden: User "{SA}" cannot list resource "namespaces" in API group "" '
        "at the cluster scope"
    )
    assert operator.get("/api/v1/namespaces/team-a/secrets/cloud", expect=403)["message"] == (
        f'secrets "cloud" is forbidden: User "{SA}" cannot get resource "secrets" in API group "" '
        'in the namespace "team-a"'
    )


def test_a_role_grants_in_its_namespace_only(admin: Client, operator: Client) -> None:
    grant(
        admin,
        "team-a",
        "reader",
        [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list", "watch"]}],
    )
    operator.get("/api/v1/namespaces/team-a/configmaps")
    operator.get("/api/v1/namespaces/ops/configmaps", expect=403)
    operator.get("/api/v1/configmaps", expect=403)
    operator.get("/api/v1/namespaces/team-a/configmaps/x", expect=403)  # get is not list


def test_a_cluster_role_binding_grants_everywhere(admin: Client, operator: Client) -> None:
    role = {
        "metadata": {"name": "reader"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}],
    }
    admin.post(f"{RBAC}/clusterroles", role)
    admin.post(f"{RBAC}/clusterrolebindings", binding("reader", "ClusterRole", "reader"))
    operator.get("/api/v1/namespaces/team-a/secrets/x", expect=404)
    operator.get("/api/v1/namespaces/ops/secrets/x", expect=404)
    operator.get("/api/v1/secrets", expect=403)


def test_resource_names_grant_a_named_get_list_and_watch(admin: Client, operator: Client) -> None:
    grant(
        admin,
        "team-a",
        "one",
        [
            {
                "apiGroups": [""],
                "resources": ["configmaps"],
                "resourceNames": ["a"],
                "verbs": ["get", "list"],
            }
        ],
    )
    operator.get("/api/v1/namespaces/team-a/configmaps/a", expect=404)
    operator.get("/api/v1/namespaces/team-a/configmaps/b", expect=403)
    operator.get("/api/v1/namespaces/team-a/configmaps", fieldSelector="metadata.name=a")
    operator.get("/api/v1/namespaces/team-a/configmaps", expect=403)


def test_a_binding_to_a_missing_role_says_so(admin: Client, operator: Client) -> None:
    admin.post(f"{RBAC}/namespaces/team-a/rolebindings", binding("gone", "Role", "gone"))
    refused = operator.get("/api/v1/namespaces/team-a/secrets", expect=403)
    assert refused["message"].endswith(
        'in the namespace "team-a": RBAC: role.rbac.authorization.k8s.io "gone" not found'
    )


def test_a_token_dies_with_its_service_account(admin: Client, operator: Client) -> None:
    operator.get("/api")
    admin.call("DELETE", "/api/v1/namespaces/ops/serviceaccounts/instance-operator", expect=200)
    operator.get("/api", expect=401)


def test_a_token_for_a_missing_service_account_is_404(admin: Client) -> None:
    refused = admin.post("/api/v1/namespaces/ops/serviceaccounts/nobody/token", {}, expect=404)
    assert refused["message"] == 'serviceaccounts "nobody" not found'


def test_every_decision_is_audited(api: KubeAPI, operator: Client) -> None:
    operator.get("/api/v1/namespaces/team-a/secrets/cloud", expect=403)
    assert api.access is not None
    rows = [row for row in api.access.audit.decisions() if row["user"] == SA]
    assert {
        "user": SA,
        "verb": "get",
        "resourceRequest": True,
        "apiGroup": "",
        "resource": "secrets",
        "subresource": "",
        "namespace": "team-a",
        "name": "cloud",
        "path": "",
        "allowed": False,
        "count": 1,
    } in rows


# -- escalation ---------------------------------------------------------------------------------

BINDINGS_WRITER = {
    "apiGroups": ["rbac.authorization.k8s.io"],
    "resources": ["rolebindings"],
    "verbs": ["create", "patch"],
}
INSTANCES_RULE = {
    "apiGroups": ["instance-operator.dev"],
    "resources": ["instances"],
    "verbs": ["get", "patch"],
}


def test_nobody_binds_a_role_with_rights_they_lack(admin: Client, operator: Client) -> None:
    grant(admin, "team-a", "writer", [BINDINGS_WRITER])
    admin.post(
        f"{RBAC}/namespaces/team-a/roles", {"metadata": {"name": "big"}, "rules": [INSTANCES_RULE]}
    )
    refused = operator.post(
        f"{RBAC}/namespaces/team-a/rolebindings", binding("big", "Role", "big"), expect=403
    )
    assert refused["message"] == (
        f'rolebindings.rbac.authorization.k8s.io "big" is forbidden: user "{SA}" '
        '(groups=["system:serviceaccounts" "system:serviceaccounts:ops" "system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:["instance-operator.dev"], Resources:["instances"], Verbs:["get" "patch"]}'
    )
    assert refused["details"] == {
        "name": "big",
        "group": "rbac.authorization.k8s.io",
        "kind": "rolebindings",
    }


def test_a_binding_is_allowed_with_the_rights_it_grants_or_the_bind_verb(
    admin: Client, operator: Client
) -> None:
    grant(admin, "team-a", "writer", [BINDINGS_WRITER, INSTANCES_RULE])
    admin.post(
        f"{RBAC}/namespaces/team-a/roles", {"metadata": {"name": "same"}, "rules": [INSTANCES_RULE]}
    )
    operator.post(f"{RBAC}/namespaces/team-a/rolebindings", binding("same", "Role", "same"))
    admin.post(
        f"{RBAC}/clusterroles",
        {"metadata": {"name": "big"}, "rules": [{**INSTANCES_RULE, "verbs": ["*"]}]},
    )
    operator.post(
        f"{RBAC}/namespaces/team-a/rolebindings", binding("big", "ClusterRole", "big"), expect=403
    )
    grant(
        admin,
        "team-a",
        "binder",
        [
            {
                "apiGroups": ["rbac.authorization.k8s.io"],
                "resources": ["clusterroles"],
                "resourceNames": ["big"],
                "verbs": ["bind"],
            }
        ],
    )
    operator.post(f"{RBAC}/namespaces/team-a/rolebindings", binding("big", "ClusterRole", "big"))


def test_the_operator_may_put_a_finalizer_on_its_own_binding_only_holding_its_rights(
    admin: Client, operator: Client
) -> None:
    # Its RoleBinding grants it, among others, patch on RoleBindings: holding every right of the
    # role it binds, it may patch the binding (a finalizer, as the operator does).
    grant(admin, "team-a", "operator", [BINDINGS_WRITER, INSTANCES_RULE])
    finalizer = {"metadata": {"finalizers": ["instance-operator.dev/in-use"]}}
    operator.patch(f"{RBAC}/namespaces/team-a/rolebindings/operator", finalizer)
    # The same patch on a binding of a role with more rights than it holds is refused.
    admin.post(
        f"{RBAC}/namespaces/team-a/roles",
        {"metadata": {"name": "big"}, "rules": [{**INSTANCES_RULE, "verbs": ["delete"]}]},
    )
    other = binding("big", "Role", "big")
    other["subjects"] = [{"kind": "User", "name": "someone"}]
    admin.post(f"{RBAC}/namespaces/team-a/rolebindings", other)
    refused = operator.patch(f"{RBAC}/namespaces/team-a/rolebindings/big", finalizer, expect=403)
    assert "is attempting to grant RBAC permissions not currently held:\n" in refused["message"]
    assert refused["message"].endswith(
        '{APIGroups:["instance-operator.dev"], Resources:["instances"], Verbs:["delete"]}'
    )


def test_nobody_writes_a_role_with_rights_they_lack_without_escalate(
    admin: Client, operator: Client
) -> None:
    roles_writer = {
        "apiGroups": ["rbac.authorization.k8s.io"],
        "resources": ["roles"],
        "verbs": ["create", "patch"],
    }
    grant(admin, "team-a", "writer", [roles_writer, INSTANCES_RULE])
    operator.post(
        f"{RBAC}/namespaces/team-a/roles",
        {"metadata": {"name": "small"}, "rules": [INSTANCES_RULE]},
    )
    more = {"rules": [{**INSTANCES_RULE, "verbs": ["get", "patch", "delete"]}]}
    refused = operator.patch(f"{RBAC}/namespaces/team-a/roles/small", more, expect=403)
    assert refused["message"].startswith(
        'roles.rbac.authorization.k8s.io "small" is forbidden: user '
    )
    assert refused["message"].endswith('Verbs:["delete"]}')
    grant(admin, "team-a", "escalator", [{**roles_writer, "verbs": ["escalate"]}])
    operator.patch(f"{RBAC}/namespaces/team-a/roles/small", more)


def test_rbac_names_are_path_segments(admin: Client) -> None:
    admin.get(f"{RBAC}/clusterroles/system:discovery")  # seeded, as on a real cluster
    admin.post(f"{RBAC}/clusterroles", {"metadata": {"name": "team:Reader"}, "rules": []})
    refused = admin.post(
        f"{RBAC}/clusterroles", {"metadata": {"name": "a%b"}, "rules": []}, expect=422
    )
    assert refused["message"] == (
        'ClusterRole.rbac.authorization.k8s.io "a%b" is invalid: metadata.name: '
        "Invalid value: \"a%b\": may not contain '%'"
    )


def test_rights_held_in_one_namespace_do_not_cover_a_cluster_wide_grant(
    admin: Client, operator: Client
) -> None:
    admin.post(
        f"{RBAC}/clusterroles",
        {
            "metadata": {"name": "crb-writer"},
            "rules": [{**BINDINGS_WRITER, "resources": ["clusterrolebindings"]}],
        },
    )
    admin.post(f"{RBAC}/clusterrolebindings", binding("crb-writer", "ClusterRole", "crb-writer"))
    admin.post(
        f"{RBAC}/clusterroles", {"metadata": {"name": "instances"}, "rules": [INSTANCES_RULE]}
    )
    grant(admin, "team-a", "instances", [INSTANCES_RULE])  # held in team-a only
    refused = operator.post(
        f"{RBAC}/clusterrolebindings", binding("wide", "ClusterRole", "instances"), expect=403
    )
    assert refused["message"].startswith(
        'clusterrolebindings.rbac.authorization.k8s.io "wide" is forbidden: '
    )
    # Held cluster-wide, the same grant passes.
    admin.post(f"{RBAC}/clusterrolebindings", binding("instances", "ClusterRole", "instances"))
    operator.post(f"{RBAC}/clusterrolebindings", binding("wide", "ClusterRole", "instances"))


def test_the_python_helper_mints_a_service_account_token(api: KubeAPI) -> None:
    token = api.service_account_token("ops", "instance-operator")
    assert Client(api, token).get("/api/v1/namespaces/ops/secrets", expect=403)["message"] == (
        f'secrets is forbidden: User "{SA}" cannot list resource "secrets" in API group "" '
        'in the namespace "ops"'
    )
    with pytest.raises(RuntimeError, match="authorization=True"):
        KubeAPI().service_account_token("ops", "instance-operator")


def test_system_masters_need_no_binding(admin: Client) -> None:
    admin.call("DELETE", f"{RBAC}/clusterrolebindings/cluster-admin", expect=200)
    admin.get("/api/v1/namespaces/team-a/secrets")
    admin.post(
        f"{RBAC}/clusterroles",
        {"metadata": {"name": "big"}, "rules": [{**INSTANCES_RULE, "verbs": ["*"]}]},
    )
    admin.post(f"{RBAC}/clusterrolebindings", binding("big", "ClusterRole", "big"))


def test_the_command_refuses_authorization_without_a_kubeconfig() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "instance_operator", "kube-api", "--authorization"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--authorization needs --kubeconfig FILE" in result.stderr
