"""The chart's RBAC, enforced: the operator runs as the chart's ServiceAccount with exactly the
rules the chart renders, in each of its modes, against the embedded API with authorization on.

Missing: a request the rules do not allow is a 403 in the operator's log (and a denied decision in
the API's audit), which fails the test. Excess: every rule the chart grants must be needed by some
request of the operator during create, Ready, reboot and delete, or be listed in ``UNWALKED`` with
the reason the operator needs it on a path this test does not walk.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from kubernetes.dynamic import DynamicClient

from instance_operator.kubeapi.rbac.audit import Decision
from instance_operator.kubeapi.rbac.rules import PolicyRule, allows, breakdown, rules_of
from instance_operator.kubeapi.rbac.tokens import service_account_user
from instance_operator.sandbox import Box, Cluster, OperatorFlags, Sandbox, example_cloud
from tests.chart.helm import CHART, NAMESPACE, TOOLS, Manifests, render
from tests.e2e.support import web
from tests.support.timings import FAST_CLOUD

#: The chart's modes: (helm arguments, the namespaces the test's Instances live in).
MODES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cluster-role": ((), ("team-a",)),
    "namespace-roles": (("--set", "watchNamespaces={team-a,team-b}"), ("team-a", "team-b")),
    "cluster-role-peering": (("--set", "peering.enabled=true"), ("team-a",)),
    "namespace-roles-peering": (
        ("--set", "watchNamespaces={team-a,team-b}", "--set", "peering.enabled=true"),
        ("team-a", "team-b"),
    ),
}

#: Grants (group, resource, verb) the operator needs only on paths this test does not walk.
UNWALKED: dict[tuple[str, str, str], str] = {
    ("instance-operator.dev", "instances", "get"): (
        "the sweep for Instances whose finalizer kopf failed to add reads each one afresh "
        "(Controller._sweep, 30 s after a failed finalizer patch)"
    ),
}

#: The objects of the chart that make up its RBAC and peering, installed as the chart would.
INSTALLED_KINDS = (
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "ClusterKopfPeering",
    "KopfPeering",
)


#: How a refusal shows in the operator's log (kopf's and the kubernetes client's wording); a 403
#: that is a log line's milliseconds (``[... 16:20:40,403]``) is not one.
FORBIDDEN = re.compile(r"(?<!,)\b403\b|Forbidden")


@dataclasses.dataclass(frozen=True)
class Grant:
    """One verb on one resource (and at most one name) of one role, where that role applies."""

    role: str
    namespace: str  # "" for a ClusterRole bound cluster-wide
    rule: PolicyRule

    def used_by(self, decision: Decision) -> bool:
        if self.namespace and decision.namespace != self.namespace:
            return False
        return decision.allowed and allows(self.rule, decision.attributes())

    def __str__(self) -> str:
        where = (
            f"Role {self.namespace}/{self.role}" if self.namespace else f"ClusterRole {self.role}"
        )
        return f"{where}: {self.rule.compact_string()}"


def chart(mode: str) -> Manifests:
    if not (TOOLS / "helm").exists():
        pytest.fail("helm is not installed in .tools/bin: run scripts/ci-tools.sh")
    return render(extra=MODES[mode][0])


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def box(mode: str, tmp_path: Path) -> Iterator[Box]:
    config = chart(mode).config()
    flags = OperatorFlags(
        namespaces=tuple(config.namespaces),
        standalone=config.standalone,
        peering_name=config.peering_name,
        peering_lifetime=config.peering_lifetime,
        role_binding=config.role_binding,
    )
    sandbox = Sandbox(
        simulator=example_cloud(FAST_CLOUD),
        namespace=MODES[mode][1][0],
        operator=flags,
        start_operator=False,
        authorization=True,
        workdir=tmp_path / "sandbox",
    )
    with sandbox.running() as running:
        yield running


def install(box: Box, manifests: Manifests) -> tuple[str, str]:
    """The chart's peering CRDs and RBAC objects; the ServiceAccount's (namespace, name)."""
    box.cluster.in_namespace(NAMESPACE).ensure_namespace()
    dynamic = DynamicClient(box.cluster.api)  # type: ignore[no-untyped-call]
    crds = [
        doc for doc in yaml.safe_load_all((CHART / "crds" / "kopf-peering.yaml").read_text()) if doc
    ]
    for doc in crds + [doc for doc in manifests.docs if doc["kind"] in INSTALLED_KINDS]:
        resource = dynamic.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        namespace = doc["metadata"].get("namespace")
        resource.create(body=doc, namespace=namespace)
        if doc["kind"] == "CustomResourceDefinition":
            dynamic.resources.invalidate_cache()
    account = manifests.one("ServiceAccount")["metadata"]
    return account["namespace"], account["name"]


def grants(manifests: Manifests) -> list[Grant]:
    found = []
    for doc in manifests.of("ClusterRole") + manifests.of("Role"):
        namespace = doc["metadata"].get("namespace", "")
        for rule in rules_of(doc):
            found += [Grant(doc["metadata"]["name"], namespace, part) for part in breakdown(rule)]
    return found


def refuse_denials(box: Box, user: str) -> None:
    """Fail if a process died, or if the API refused the operator anything."""
    box.check()
    assert box.kube is not None
    denied = sorted(str(d) for d in box.kube.audit.decisions(user) if not d.allowed)
    assert not denied, "the chart's RBAC refused the operator:\n" + "\n".join(denied)


def lifecycle(clusters: list[Cluster]) -> None:
    """Create, Ready, reboot, delete, in each namespace at once."""
    for cluster in clusters:
        cluster.create(web())
    for cluster in clusters:
        cluster.wait_ready("web-1")
        cluster.annotate("web-1", "reboot", "r1")
    for cluster in clusters:
        assert cluster.wait_action("web-1", "reboot", "r1")["result"] == "Succeeded"
        cluster.delete("web-1")
    for cluster in clusters:
        cluster.wait_gone("web-1")


def test_the_operator_runs_on_exactly_the_charts_rbac(mode: str, box: Box) -> None:
    manifests = chart(mode)
    clusters = [box.namespace(name) for name in MODES[mode][1]]  # the chart needs them first
    namespace, account = install(box, manifests)
    user = service_account_user(namespace, account).name
    assert box.kube is not None
    for cluster in clusters:  # every wait fails at the first refusal, naming it
        cluster.guard = lambda: refuse_denials(box, user)
    box.start_operator_as(namespace, account)

    lifecycle(clusters)

    refuse_denials(box, user)
    decisions = box.kube.audit.decisions(user)
    log = box.operator.log_text()
    assert not FORBIDDEN.search(log), log

    granted = grants(manifests)
    stale = set(UNWALKED) - {_key(grant) for grant in granted}
    assert not stale, f"UNWALKED lists what the chart no longer grants: {sorted(stale)}"
    unused = [
        grant
        for grant in granted
        if not any(grant.used_by(d) for d in decisions) and _key(grant) not in UNWALKED
    ]
    assert not unused, "the chart grants what the operator never asked for:\n" + "\n".join(
        str(grant) for grant in unused
    )


def _key(grant: Grant) -> tuple[str, str, str]:
    rule = grant.rule
    return (rule.api_groups[0], rule.resources[0], rule.verbs[0])
