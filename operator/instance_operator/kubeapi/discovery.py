"""Discovery documents, rendered from the catalog on every request.

kopf builds its resource list from ``/api``, ``/apis`` and each group version's
APIResourceList (plural, kind, namespaced, verbs, ``plural/status`` entries) and rescans a
group whenever a CRD of that group changes; kubectl reads the same documents.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.resources import VERBS, Catalog, ResourceType

KUBERNETES_VERSION = ("1", "31")


def version() -> dict[str, Any]:
    major, minor = KUBERNETES_VERSION
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{major}.{minor}.0-instance-operator-kubeapi",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "2024-01-01T00:00:00Z",
        "goVersion": "go1.22",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def core_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{version}", "version": version} for version in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def group_list(catalog: Catalog) -> dict[str, Any]:
    groups = [_group(name, versions) for name, versions in catalog.groups().items()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(catalog: Catalog, name: str) -> dict[str, Any]:
    versions = catalog.groups().get(name)
    if not versions:
        raise errors.no_such_path()
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def resource_list(catalog: Catalog, group_name: str, version_name: str) -> dict[str, Any]:
    rtypes = catalog.resources(group_name, version_name)
    if not rtypes:
        raise errors.no_such_path()
    resources = []
    for rtype in rtypes:
        resources.append(_entry(rtype))
        if rtype.status_subresource:
            resources.append(
                {
                    "name": f"{rtype.plural}/status",
                    "singularName": "",
                    "namespaced": rtype.namespaced,
                    "kind": rtype.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
    group_version = f"{group_name}/{version_name}" if group_name else version_name
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def _entry(rtype: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": rtype.plural,
        "singularName": rtype.singular_name,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": sorted(VERBS),
    }
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    return entry
