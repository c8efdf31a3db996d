"""RBAC, least privilege: exactly what the operator needs, where it watches, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.helm import NAMESPACE, Manifests, render

Rule = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # group, resource, names, verbs

OPERATOR_RULES: set[Rule] = {
    ("instance-operator.dev", "instances", (), ("get", "list", "patch", "watch")),
    ("instance-operator.dev", "instances/status", (), ("patch",)),
    ("", "events", (), ("create",)),
    ("", "secrets", (), ("get",)),
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
def test_listed_namespaces_through_a_role_in_each(values: tuple[str, ...], peering: bool) -> None:
    manifests = render(*values)
    assert not manifests.of("ClusterRole")
    assert not manifests.of("ClusterRoleBinding")
    config = manifests.config()
    roles = {r["metadata"]["namespace"]: r for r in manifests.of("Role")}
    bindings = {b["metadata"]["namespace"]: b for b in manifests.of("RoleBinding")}
    assert set(roles) == set(bindings) == set(config.namespaces) == {"team-a", "team-b"}
    expected = OPERATOR_RULES | (
        peering_rules("kopfpeerings", config.peering_name) if peering else set()
    )
    for namespace, role in roles.items():
        assert rules(role) == expected
        binding = bindings[namespace]
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": role["metadata"]["name"],
        }
        bound_account(manifests, binding)


@pytest.mark.parametrize("values", [(), ("namespaces",), ("ha",), ("ha-namespaces",), ("metrics",)])
def test_secrets_are_only_read(values: tuple[str, ...]) -> None:
    manifests = render(*values)
    for role in manifests.of("Role") + manifests.of("ClusterRole"):
        granted = [r for r in rules(role) if r[1] == "secrets"]
        assert granted == [("", "secrets", (), ("get",))]
