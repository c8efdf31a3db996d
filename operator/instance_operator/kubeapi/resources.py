"""The resource types the server knows: built-ins, plus custom resources while their CRD exists.

Discovery, URL routing and the store all read this one catalog, so a CRD write changes what
``/apis`` advertises and what the URLs accept at the same moment, as kopf's rescans expect.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from instance_operator.kubeapi.schema import StructuralSchema

READ_VERBS = ("get", "list", "watch")
WRITE_VERBS = ("create", "update", "patch", "delete")
VERBS = (*WRITE_VERBS, *READ_VERBS)
COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


@dataclasses.dataclass(frozen=True)
class ResourceType:
    """One resource in one served version, with the behaviour the API server gives it."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    #: ``/status`` exists; the main endpoint then ignores ``.status`` and the reverse.
    status_subresource: bool = False
    #: ``metadata.generation`` is maintained (custom resources, CRDs).
    generation: bool = False
    #: A custom resource: its CRD's schema applies and DELETE returns the deleted object.
    custom: bool = False
    schema: StructuralSchema | None = None
    #: The fields ``fieldSelector`` accepts for this resource.
    field_labels: frozenset[str] = COMMON_FIELDS
    #: The CRD that serves it; ``None`` for built-ins.
    crd: str | None = None
    #: ``additionalPrinterColumns`` of the CRD version, for ``kubectl get`` tables.
    printer_columns: tuple[dict[str, Any], ...] = dataclasses.field(default=(), compare=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        """All versions of a resource share one collection of objects."""
        return (self.group, self.plural)

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()


_EVENT_FIELDS = (
    COMMON_FIELDS
    | {
        f"involvedObject.{field}"
        for field in (
            "kind",
            "namespace",
            "name",
            "uid",
            "apiVersion",
            "resourceVersion",
            "fieldPath",
        )
    }
    | {"reason", "type", "source", "reportingComponent"}
)

BUILTINS = (
    ResourceType(
        "",
        "v1",
        "namespaces",
        "Namespace",
        namespaced=False,
        short_names=("ns",),
        status_subresource=True,
    ),
    ResourceType("", "v1", "secrets", "Secret", namespaced=True),
    ResourceType("", "v1", "configmaps", "ConfigMap", namespaced=True, short_names=("cm",)),
    ResourceType(
        "",
        "v1",
        "events",
        "Event",
        namespaced=True,
        short_names=("ev",),
        field_labels=_EVENT_FIELDS,
    ),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", namespaced=True),
    ResourceType(
        "", "v1", "serviceaccounts", "ServiceAccount", namespaced=True, short_names=("sa",)
    ),
    # RBAC objects are stored so that the chart's rules can be installed and, with authorization
    # on, enforced; and so that a namespace's deletion removes its Roles and RoleBindings too.
    ResourceType("rbac.authorization.k8s.io", "v1", "roles", "Role", namespaced=True),
    ResourceType("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", namespaced=True),
    ResourceType(
        "rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced=False
    ),
    ResourceType(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        namespaced=False,
    ),
    # Admission policies, for charts that protect their objects: evaluated by ``policies/``.
    ResourceType(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        namespaced=False,
        categories=("api-extensions",),
        status_subresource=True,
        generation=True,
    ),
    ResourceType(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        namespaced=False,
        categories=("api-extensions",),
        generation=True,
    ),
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        namespaced=False,
        short_names=("crd", "crds"),
        categories=("api-extensions",),
        status_subresource=True,
        generation=True,
    ),
)

NAMESPACES = BUILTINS[0]
POLICIES = BUILTINS[-3]
BINDINGS = BUILTINS[-2]
CRDS = BUILTINS[-1]

_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key putting Kubernetes versions in preference order: v2, v1, v1beta1, v1alpha1, others."""
    match = _VERSION.match(version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), version)


class Catalog:
    """Resource types by (group, version, plural); custom ones also grouped by their CRD."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        self._by_crd: dict[str, list[ResourceType]] = {}
        for rtype in BUILTINS:
            self._types[(rtype.group, rtype.version, rtype.plural)] = rtype

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._types.get((group, version, plural))

    def serve_crd(self, name: str, rtypes: list[ResourceType]) -> None:
        """Serve exactly these versions for the CRD, replacing what it served before."""
        self.forget_crd(name)
        self._by_crd[name] = rtypes
        for rtype in rtypes:
            self._types[(rtype.group, rtype.version, rtype.plural)] = rtype

    def forget_crd(self, name: str) -> None:
        for rtype in self._by_crd.pop(name, []):
            self._types.pop((rtype.group, rtype.version, rtype.plural), None)

    def crd_types(self, name: str) -> list[ResourceType]:
        return list(self._by_crd.get(name, []))

    def groups(self) -> dict[str, list[str]]:
        """Named API groups with their versions, preferred first (the core group excluded)."""
        found: dict[str, set[str]] = {}
        for group, version, _ in self._types:
            if group:
                found.setdefault(group, set()).add(version)
        return {
            group: sorted(versions, key=version_priority)
            for group, versions in sorted(found.items())
        }

    def resources(self, group: str, version: str) -> list[ResourceType]:
        return sorted(
            (rtype for (g, v, _), rtype in self._types.items() if (g, v) == (group, version)),
            key=lambda rtype: rtype.plural,
        )

    def find(self, name: str) -> list[ResourceType]:
        """Types whose ``plural`` or ``plural.group`` is ``name``, preferred version first."""
        matches = [
            rtype
            for rtype in self._types.values()
            if name in (rtype.plural, f"{rtype.plural}.{rtype.group}")
        ]
        return sorted(matches, key=lambda rtype: (rtype.key, version_priority(rtype.version)))
