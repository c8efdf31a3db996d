"""The controllers a cluster runs beside the API server, done synchronously after each write.

Namespace lifecycle, as kube-controller-manager's namespace controller does it: a deleted
namespace gets its deletionTimestamp and phase ``Terminating`` and refuses new objects; then every
object in it is deleted in one sweep, whatever its kind (Secrets, ConfigMaps, Roles, RoleBindings,
custom resources...). Objects without finalizers go at once; the others get a deletionTimestamp
and stay, readable and patchable, until their finalizers are removed. Meanwhile the namespace's
conditions say what remains, with the controller's reasons and wording (``Some content in the
namespace has finalizers remaining: <finalizer> in <n> resource instances``), and the namespace
disappears once it is empty. The real controller looks again every few seconds (about 8 while
finalizers remain); here each change is looked at as it happens.

Objects the admission policies protect (``policies/``) are not deleted: the sweep's refusals
show in ``NamespaceDeletionContentFailure`` and the namespace stays ``Terminating``; the sweep is
retried whenever something changes in the namespace or a policy or binding changes.

CRD lifecycle: a CRD serves its resource from creation; deleting it deletes all its custom
resources first (the ``customresourcecleanup`` finalizer), and only then does the resource leave
discovery.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
from typing import Any, Protocol

from instance_operator.kubeapi import crds, errors, namespace_conditions, policies
from instance_operator.kubeapi.collection import Change, Collection, Stored
from instance_operator.kubeapi.resources import (
    BINDINGS,
    CRDS,
    NAMESPACES,
    POLICIES,
    Catalog,
    ResourceType,
)


class Store(Protocol):
    """What the lifecycle rules need of the store (:class:`~.store.Store` has it); a protocol so
    that the store, which calls these rules, is not imported back."""

    catalog: Catalog
    #: What remains in each terminating namespace.
    terminating: dict[str, Content]
    #: Objects per namespace.
    population: collections.Counter[str]

    def collection(self, rtype: ResourceType) -> Collection: ...

    def namespaced_types(self) -> list[ResourceType]: ...

    def lookup(self, rtype: ResourceType, namespace: str | None, name: str) -> Stored | None: ...

    def commit(self, rtype: ResourceType, old: Stored | None, body: dict[str, Any]) -> Stored: ...

    def remove(self, rtype: ResourceType, old: Stored, body: dict[str, Any]) -> Stored: ...

    def start_deletion(
        self, rtype: ResourceType, old: Stored, *, dry_run: bool = False
    ) -> tuple[Stored, bool]: ...


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
    if rtype.key in (POLICIES.key, BINDINGS.key):
        retry_sweeps(store)
    elif rtype.key == CRDS.key:
        _crd_changed(store, change)
    elif rtype.key == NAMESPACES.key:
        _namespace_changed(store, change)
    elif rtype.namespaced:
        _content_changed(store, rtype, change)
    if change.type == "DELETED" and rtype.crd:
        _finish_crd(store, rtype.crd)


def _crd_changed(store: Store, change: Change) -> None:
    body = change.new.body
    name = body["metadata"]["name"]
    if change.type == "DELETED":
        store.catalog.forget_crd(name)
    elif body["metadata"].get("deletionTimestamp"):
        _empty_crd(store, name)
    else:
        store.catalog.serve_crd(name, crds.served_types(body))
        for served in store.catalog.crd_types(name):
            store.collection(served)


def _namespace_changed(store: Store, change: Change) -> None:
    name = change.new.body["metadata"]["name"]
    if change.type == "DELETED":
        store.terminating.pop(name, None)
        return
    deleting = change.new.body["metadata"].get("deletionTimestamp")
    was_deleting = change.old is not None and change.old.body["metadata"].get("deletionTimestamp")
    if deleting and not was_deleting:
        _empty_namespace(store, name)


def _content_changed(store: Store, rtype: ResourceType, change: Change) -> None:
    namespace = change.new.body["metadata"]["namespace"]
    content = store.terminating.get(namespace)
    if content is None:
        return
    if change.old is not None:
        content.count(rtype, change.old.body, -1)
    if change.type != "DELETED":
        content.count(rtype, change.new.body, +1)
    if content.failures and not content.sweeping:
        _resweep(store, namespace, content)
        return
    _settle_namespace(store, namespace)


@dataclasses.dataclass
class Content:
    """What is left in a terminating namespace: objects per resource, and per finalizer."""

    resources: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    finalizers: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    #: Why the last sweep could not delete everything (refusals by admission policies).
    failures: list[str] = dataclasses.field(default_factory=list)
    #: A sweep is running: the changes it makes do not start another.
    sweeping: bool = False

    def count(self, rtype: ResourceType, body: dict[str, Any], sign: int) -> None:
        # The controller names a resource "<plural>.<group>": "secrets." for the core group.
        self.resources[f"{rtype.plural}.{rtype.group}"] += sign
        for finalizer in body["metadata"].get("finalizers") or ():
            self.finalizers[finalizer] += sign


def _empty_namespace(store: Store, namespace: str) -> None:
    """The first sweep, then keep count of what stays."""
    failures = _sweep(store, namespace)
    content = Content(failures=failures)
    for rtype in store.namespaced_types():
        coll = store.collection(rtype)
        for key in coll.keys(namespace):
            content.count(rtype, coll.items[key].body, +1)
    store.terminating[namespace] = content
    _settle_namespace(store, namespace)


def _sweep(store: Store, namespace: str) -> list[str]:
    """Delete everything in the namespace, one collection deletion per resource, as the
    controller does: the admission policies see each object, with no name in the request (a
    collection's deletion names none); the first refusal ends that resource's deletion (one
    worker), the objects after it stay. The refusals' texts, one per resource, are returned."""
    failures = []
    for rtype in store.namespaced_types():
        coll = store.collection(rtype)
        for key in list(coll.keys(namespace)):
            stored = coll.items.get(key)
            if stored is None:
                continue
            request = policies.Request(
                "DELETE", rtype, "", namespace, policies.NAMESPACE_CONTROLLER, old=stored.body
            )
            try:
                policies.admit(store, request)
            except errors.StatusError as refusal:
                failures.append(refusal.message)
                break
            store.start_deletion(rtype, stored)
    return failures


def retry_sweeps(store: Store) -> None:
    """Sweep again each terminating namespace whose last sweep met a refusal (the controller
    retries with backoff; here on the next change that may lift it)."""
    for namespace, content in list(store.terminating.items()):
        if content.failures and not content.sweeping:
            _resweep(store, namespace, content)


def _resweep(store: Store, namespace: str, content: Content) -> None:
    content.sweeping = True
    try:
        content.failures = _sweep(store, namespace)
    finally:
        content.sweeping = False
    _settle_namespace(store, namespace, force=True)


def _settle_namespace(store: Store, namespace: str, *, force: bool = False) -> None:
    """Gone once empty; until then, conditions that say what remains. During a sweep only
    when ``force``d, after it."""
    found = store.lookup(NAMESPACES, None, namespace)
    content = store.terminating.get(namespace)
    if found is None or content is None or (content.sweeping and not force):
        return
    body = copy.deepcopy(found.body)
    if not store.population[namespace]:
        body["spec"]["finalizers"] = []
        store.remove(NAMESPACES, found, body)
        return
    status = body.setdefault("status", {})
    conditions = namespace_conditions.conditions(
        content.resources, content.finalizers, content.failures, status.get("conditions") or []
    )
    if conditions != status.get("conditions"):
        status["conditions"] = conditions
        store.commit(NAMESPACES, found, body)


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
