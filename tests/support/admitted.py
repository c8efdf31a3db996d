"""A manifest through the embedded API's own admission, as ``kubectl apply`` would send it.

One implementation of what the API server checks on a custom resource: the same code the
embedded API runs on every write (unknown fields refused as with ``fieldValidation=Strict``,
kubectl's default; the schema, its formats and the CEL rules, transition rules included when an
old object is given), called without a server so a test can check hundreds of manifests fast.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from instance_operator.api.crd import instance_crd
from instance_operator.kubeapi import admission, crds
from instance_operator.kubeapi.errors import StatusError
from instance_operator.kubeapi.fieldvalidation import STRICT, FieldValidation
from instance_operator.kubeapi.resources import ResourceType


@functools.cache
def _instances() -> ResourceType:
    (served,) = crds.served_types(instance_crd())
    return served


def refusals(manifest: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    """``field: message`` per cause the API server would refuse the write with; ``[]`` if admitted.

    With ``old``, the write is an update of ``old`` (itself admitted first, as it was stored).
    """
    rtype = _instances()
    stored = None
    if old is not None:
        stored = copy.deepcopy(old)
        admission.admit(rtype, None, stored)
    new = copy.deepcopy(manifest)
    new.setdefault("metadata", {})
    verb = "create" if old is None else "update"
    try:
        admission.admit(rtype, stored, new, validation=FieldValidation(STRICT, verb))
    except StatusError as error:
        causes = error.details.get("causes") or []
        return [f"{cause['field']}: {cause['message']}" for cause in causes] or [error.message]
    return []
