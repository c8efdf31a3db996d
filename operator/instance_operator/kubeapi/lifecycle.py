"""The controllers a cluster runs beside the API server, done synchronously after each write.

Namespace lifecycle: a deleted namespace is ``Terminating``, refuses new objects, deletes its
contents (their finalizers still hold them) and disappears once empty. CRD lifecycle: a CRD
serves its resource from creation; deleting it deletes all its custom resources first (the
``customresourcecleanup`` finalizer), and only then does the resource leave discovery.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from instance_operator.kubeapi import crds, errors
from instance_operator.kubeapi.collection import Change
from instance_operator.kubeapi.resources import CRDS, NAMESPACES, ResourceType

if TYPE_CHECKING:
    from instance_operator.kubeapi.store import Store

_UNDELETABLE_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


def check_namespace_open(store: Store, namespace: str) -> None:
    found = store.lookup(NAMESPACES, None, namespace)
    if found is None:
        raise errors.not_found("namespaces", "", namespace)
    if found.body["metadata"].get("deletionTimestamp"):
        raise errors.forbidden(
            f"unable to create new content in namespace {namespace} because it is being terminated"
        )


def check_crd_open(store: Store, rtype: ResourceType) -> None:
    crd = store.lookup(CRDS, None, rtype.crd) if rtype.crd else None
    if crd is not None and crd.body["metadata"].get("deletionTimestamp"):
        raise errors.method_not_allowed(
            "create not allowed while custom resource definition is terminating"
        )


def check_deletable(rtype: ResourceType, name: str) -> None:
    if rtype.key == NAMESPACES.key and name in _UNDELETABLE_NAMESPACES:
        raise errors.forbidden(
            f'namespaces "{name}" is forbidden: this namespace may not be deleted'
        )


def holds_deletion(rtype: ResourceType, body: dict[str, Any]) -> bool:
    """Finalizers keep a deleted object; a namespace's ``spec.finalizers`` too."""
    if body["metadata"].get("finalizers"):
        return True
    return rtype.key == NAMESPACES.key and bool((body.get("spec") or {}).get("finalizers"))


def mark_terminating(rtype: ResourceType, body: dict[str, Any]) -> None:
    if rtype.key == NAMESPACES.key:
        body["status"] = {"phase": "Terminating"}


def after(store: Store, rtype: ResourceType, change: Change) -> None:
    """React to a committed change; may write more (cascades), each with its own event."""
    body = change.new.body
    name = body["metadata"]["name"]
    deleting = bool(body["metadata"].get("deletionTimestamp"))
    if rtype.key == CRDS.key:
        if change.type == "DELETED":
            store.catalog.forget_crd(name)
        elif deleting:
            _empty_crd(store, name)
        else:
            store.catalog.serve_crd(name, crds.served_types(body))
            for served in store.catalog.crd_types(name):
                store.collection(served)
    elif rtype.key == NAMESPACES.key and deleting and change.type == "MODIFIED":
        _empty_namespace(store, name)
    if change.type == "DELETED":
        if rtype.namespaced:
            _finish_namespace(store, body["metadata"]["namespace"])
        if rtype.crd:
            _finish_crd(store, rtype.crd)


def _empty_namespace(store: Store, namespace: str) -> None:
    for rtype in store.namespaced_types():
        coll = store.collection(rtype)
        for key in list(coll.keys(namespace)):
            stored = coll.items.get(key)
            if stored is not None:
                store.start_deletion(rtype, stored)
    _finish_namespace(store, namespace)


def _finish_namespace(store: Store, namespace: str) -> None:
    found = store.lookup(NAMESPACES, None, namespace)
    if (
        found is None
        or not found.body["metadata"].get("deletionTimestamp")
        or store.population[namespace]
    ):
        return
    body = copy.deepcopy(found.body)
    body["spec"]["finalizers"] = []
    store.remove(NAMESPACES, found, body)


def _empty_crd(store: Store, name: str) -> None:
    served = store.catalog.crd_types(name)
    if served:
        coll = store.collection(served[0])
        for stored in list(coll.items.values()):
            store.start_deletion(served[0], stored)
    _finish_crd(store, name)


def _finish_crd(store: Store, name: str) -> None:
    found = store.lookup(CRDS, None, name)
    if found is None or not found.body["metadata"].get("deletionTimestamp"):
        return
    served = store.catalog.crd_types(name)
    if served and store.collection(served[0]).items:
        return
    body = copy.deepcopy(found.body)
    finalizers = [
        item for item in body["metadata"].get("finalizers", []) if item != crds.CLEANUP_FINALIZER
    ]
    if finalizers == body["metadata"].get("finalizers"):
        return
    body["metadata"]["finalizers"] = finalizers
    if finalizers:
        store.commit(CRDS, found, body)
    else:
        store.remove(CRDS, found, body)
