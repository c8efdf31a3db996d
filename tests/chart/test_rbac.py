"""RBAC, least privilege: exactly what the operator needs, where it watches, and nothing else;
and rights that deleting a watched namespace cannot take away before its Instances are gone."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from instance_operator.controller.config import OperatorConfig
from tests.chart.helm import NAMESPACE, Manifests, render

Rule = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # group, resource, names, verbs

OPERATOR_RULES: set[Rule] = {
    ("instance-operator.dev", "instances", (), ("get", "list", "patch", "watch")),
    ("instance-operator.dev", "instances/status", (), ("patch",)),
    ("", "events", (), ("create",)),
    # patch: the in-use finalizer that keeps the credentials until the servers are deleted.
    ("", "secrets", (), ("get", "patch")),
}


def peering_rules(resource: str, name: str) -> set[Rule]:
    return {
        ("kopf.dev", resource, (), ("list", "watch")),
        ("kopf.dev", resource, (name,), ("get", "patch")),
    }


def rules(role: dict[str, Any]) -> set[Rule]:
    """A role's rules, one per group and resource, so that equal grants compare equal."""
    out = set()
    for rule in role["rules"]:
        assert not rule.get("nonResourceURLs")
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                names = tuple(sorted(rule.get("resourceNames", ())))
                out.add((group, resource, names, tuple(sorted(rule["verbs"]))))
    assert all("*" not in (g, r) and "*" not in v for g, r, _, v in out)
    return out


def bound_account(manifests: Manifests, binding: dict[str, Any]) -> None:
    account = manifests.deployment["spec"]["template"]["spec"]["serviceAccountName"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account, "namespace": NAMESPACE}
    ]


@pytest.mark.parametrize(("values", "peering"), [((), None), (("ha",), "instance-operator-ha")])
def test_all_namespaces_through_one_cluster_role(
    values: tuple[str, ...], peering: str | None
) -> None:
    manifests = render(*values)
    assert not manifests.of("Role")
    assert not manifests.of("RoleBinding")
    role = manifests.one("ClusterRole")
    expected = OPERATOR_RULES | (
        peering_rules("clusterkopfpeerings", peering) if peering else set()
    )
    assert rules(role) == expected
    binding = manifests.one("ClusterRoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": role["metadata"]["name"],
    }
    bound_account(manifests, binding)


@pytest.mark.parametrize(
    ("values", "peering"), [(("namespaces",), False), (("ha-namespaces",), True)]
)
def test_listed_namespaces_through_a_role_binding_in_each(
    values: tuple[str, ...], peering: bool
) -> None:
    """No Role (a namespace's deletion would take it at once): a RoleBinding in each namespace to
    one ClusterRole, which grants nothing by itself. With peering, kopf's peering objects alone
    (by name) have a ClusterRoleBinding of their own: a deleted namespace's KopfPeering is then a
    404 for kopf, not a 403 it retries."""
    manifests = render(*values)
    assert not manifests.of("Role")
    config = manifests.config()
    roles = {r["metadata"]["name"]: r for r in manifests.of("ClusterRole")}
    name = next(n for n in roles if not n.endswith("-peering"))
    role = roles[name]
    if peering:
        (cluster_binding,) = manifests.of("ClusterRoleBinding")
        assert cluster_binding["roleRef"]["name"] == f"{name}-peering"
        assert rules(roles[f"{name}-peering"]) == peering_rules("kopfpeerings", config.peering_name)
        bound_account(manifests, cluster_binding)
    else:
        assert set(roles) == {name}
        assert not manifests.of("ClusterRoleBinding")
    bindings = {b["metadata"]["namespace"]: b for b in manifests.of("RoleBinding")}
    assert set(bindings) == set(config.namespaces) == {"team-a", "team-b"}
    own_binding = ("rbac.authorization.k8s.io", "rolebindings", (name,), ("get", "patch"))
    assert rules(role) == OPERATOR_RULES | {own_binding}
    for binding in bindings.values():
        assert binding["metadata"]["name"] == name
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": name,
        }
        bound_account(manifests, binding)


@pytest.mark.parametrize("values", [("namespaces",), ("ha-namespaces",)])
def test_the_operator_is_told_the_binding_it_keeps(values: tuple[str, ...]) -> None:
    manifests = render(*values)
    names = {b["metadata"]["name"] for b in manifests.of("RoleBinding")}
    assert names == {manifests.config().role_binding}


@pytest.mark.parametrize("values", [(), ("ha",)])
def test_all_namespaces_keep_no_binding(values: tuple[str, ...]) -> None:
    """A ClusterRoleBinding is not in any namespace: no namespace's deletion touches it."""
    assert render(*values).config().role_binding is None


@pytest.mark.parametrize("values", [(), ("namespaces",), ("ha",), ("ha-namespaces",), ("metrics",)])
def test_secrets_are_read_and_patched_only(values: tuple[str, ...]) -> None:
    """Never listed, watched, updated or deleted: read by name, patched for one finalizer."""
    manifests = render(*values)
    granted = [
        rule
        for role in manifests.of("Role") + manifests.of("ClusterRole")
        for rule in rules(role)
        if rule[1] == "secrets"
    ]
    assert granted == [("", "secrets", (), ("get", "patch"))]


def test_a_role_binding_needs_watched_namespaces() -> None:
    with pytest.raises(ValidationError, match=r"--role-binding .* needs --namespace"):
        OperatorConfig(role_binding="io-instance-operator")
    assert OperatorConfig(namespaces=("team-a",), role_binding="io").role_binding == "io"
