"""The Instance CRD as an older release installed it: without the CEL rules.

The embedded API enforces the CRD's ``x-kubernetes-validations`` as a real API server does, so a
spec that breaks one never reaches the operator. A cluster whose CRD predates a rule lets such a
spec through, and the operator must still refuse to act on it; tests of that install this.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client as k8s

from instance_operator.api import names


def strip_rules(node: Any) -> None:
    """Drop every ``x-kubernetes-validations`` below ``node``, in place."""
    if isinstance(node, dict):
        node.pop("x-kubernetes-validations", None)
        for value in node.values():
            strip_rules(value)
    elif isinstance(node, list):
        for value in node:
            strip_rules(value)


def install_old_crd(api: k8s.ApiClient) -> None:
    """Replace the served Instance CRD by the same one without its CEL rules."""
    extensions = k8s.ApiextensionsV1Api(api)
    crd = api.sanitize_for_serialization(extensions.read_custom_resource_definition(names.CRD_NAME))
    strip_rules(crd["spec"])
    extensions.replace_custom_resource_definition(names.CRD_NAME, crd)
