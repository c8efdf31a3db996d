"""The bootstrap ClusterRoles and bindings every real cluster has, so clients can discover.

From Kubernetes' ``plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go``: every
authenticated user may read discovery and health (``system:discovery``,
``system:public-info-viewer``) and review its own access (``system:basic-user``); anonymous
users only health and version; ``system:masters`` has ``cluster-admin``.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi.rbac.authorizer import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, GROUP
from instance_operator.kubeapi.store import Store

AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
_PUBLIC_INFO = ["/healthz", "/livez", "/readyz", "/version", "/version/"]

_ROLES: dict[str, list[dict[str, Any]]] = {
    "cluster-admin": [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ],
    "system:discovery": [
        {
            "nonResourceURLs": sorted(
                ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", *_PUBLIC_INFO]
            ),
            "verbs": ["get"],
        }
    ],
    "system:basic-user": [
        {
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            "verbs": ["create"],
        },
        {
            "apiGroups": ["authentication.k8s.io"],
            "resources": ["selfsubjectreviews"],
            "verbs": ["create"],
        },
    ],
    "system:public-info-viewer": [{"nonResourceURLs": _PUBLIC_INFO, "verbs": ["get"]}],
}

_BINDINGS: dict[str, tuple[str, list[str]]] = {
    "cluster-admin": ("cluster-admin", ["system:masters"]),
    "system:discovery": ("system:discovery", [AUTHENTICATED]),
    "system:basic-user": ("system:basic-user", [AUTHENTICATED]),
    "system:public-info-viewer": ("system:public-info-viewer", [AUTHENTICATED, UNAUTHENTICATED]),
}

_META: dict[str, Any] = {
    "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
    "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
}


def seed(store: Store) -> None:
    """Create the bootstrap policy in ``store`` (a fresh one)."""
    for name, rules in _ROLES.items():
        store.create(CLUSTER_ROLES, None, {"metadata": {"name": name, **_META}, "rules": rules})
    for name, (role, groups) in _BINDINGS.items():
        body = {
            "metadata": {"name": name, **_META},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": GROUP, "kind": "Group", "name": group} for group in groups],
        }
        store.create(CLUSTER_ROLE_BINDINGS, None, body)
