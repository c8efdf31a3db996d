"""Keep what finalizing an Instance needs until no Instance needs it: the ``in-use`` finalizer.

Deleting a namespace deletes everything in it at once. Without a finalizer, the credentials
Secret would go before the Instances' servers are deleted (the finalizer then has no credentials),
and so would a RoleBinding that grants the operator its rights there (every patch that would
release an Instance is then 403). As Cluster API Provider OpenStack does with its identity Secret,
the operator puts a finalizer on each object it needs:

- the credentials Secret, before the first server is created with it (and on the first pass of
  an Instance that has a server already); removed once no Instance needs it any more: when the
  last one using it has finished deleting (or orphaning) its server;
- with ``--role-binding``, that RoleBinding in the Instance's namespace, while any Instance exists
  there; removed when the last one is gone, since kopf needs the rights to remove the last
  Instance finalizer.

One finalizer per object, whatever the number of Instances: the count lives here, not on the
object. Adding and removing for one object are serialized by a lock, and a removal is decided on
a fresh list of the namespace's Instances, so an Instance created while the last one finishes
either is seen (and keeps the finalizer) or adds it back before it creates its server. A finalizer
cannot be added to an object that is already being deleted (422): a new server is then refused
(:meth:`Holds.require_credentials`), an existing one carries on with a Warning in the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kubernetes.client.exceptions import ApiException

from instance_operator.api.names import FINALIZER, IN_USE_FINALIZER
from instance_operator.controller.kube import HeldKind, Kube, Meta
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.status.reasons import Reason

log = logging.getLogger(__name__)

#: Writes lost to a concurrent writer (409) are retried this many times with a fresh read.
_ATTEMPTS = 3
#: How soon a failed release is tried again.
RELEASE_RETRY = 2.0

_KIND_NAMES = {"secrets": "Secret", "rolebindings": "RoleBinding"}


@dataclass(frozen=True)
class Held:
    """An object that carries (or should carry) the ``in-use`` finalizer."""

    kind: HeldKind
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{_KIND_NAMES[self.kind]} {self.namespace}/{self.name}"


def credentials_of(view: InstanceView) -> Held | None:
    """The credentials Secret of an Instance, read leniently (an invalid spec still names it)."""
    name = view.credentials_secret
    return Held("secrets", view.ref.namespace, name) if name is not None else None


class Holds:
    def __init__(self, kube: Kube, registry: Registry, *, role_binding: str | None) -> None:
        self._kube = kube
        self._registry = registry
        self._role_binding = role_binding
        self._lock = threading.Lock()
        self._locks: dict[Held, threading.Lock] = {}
        #: Objects known to carry the finalizer; anything that may have changed that is dropped.
        self._held: set[Held] = set()
        #: Instances whose deletion is done: they no longer need their Secret.
        self._finished: set[str] = set()
        self._warned: set[Held] = set()

    # --- what the worker threads call ------------------------------------------------------------

    def take(self, view: InstanceView) -> None:
        """Best effort, on every pass: the Instance's RoleBinding and, while it lives, its Secret."""
        binding = self.binding_in(view.ref.namespace)
        if binding is not None and self._take(binding) != "held":
            self._warn(binding, "the operator may lose its rights there when the namespace goes")
        credentials = credentials_of(view)
        # A missing Secret is the reconcile's to report (SecretNotFound).
        if credentials is not None and not view.deleting and self._take(credentials) == "refused":
            self._warn(credentials, "its Instances' servers cannot be deleted once it is gone")

    def require_credentials(self, view: InstanceView) -> None:
        """Before a server is created: its credentials must stay until it is deleted."""
        credentials = credentials_of(view)
        if credentials is not None and self._take(credentials) != "held":
            raise UserError(
                Reason.SECRET_BEING_DELETED,
                f"{credentials} is gone or being deleted, so the operator cannot keep it until this"
                " Instance's server is deleted; no server is created with it. Once it is gone,"
                " create it again (or use another Secret).",
            )

    def finished(self, view: InstanceView) -> None:
        """The Instance's deletion is done: its Secret goes once no other Instance needs it."""
        self._finished.add(view.uid)
        credentials = credentials_of(view)
        if credentials is not None:
            self._release(credentials)

    def settle(self, held: Held) -> float | None:
        """For the holds queue: remove the finalizer if nothing needs the object; a retry delay
        if the API failed."""
        try:
            self._release(held)
        except ApiException as exc:
            log.warning(
                "Could not release %s: %s %s; retrying in %.0f s",
                held,
                exc.status,
                exc.reason,
                RELEASE_RETRY,
            )
            return RELEASE_RETRY
        return None

    # --- what the event loop calls (no I/O) ------------------------------------------------------

    def gone(self, body: Mapping[str, Any]) -> list[Held]:
        """An Instance left the cluster: what may now be unneeded (to settle off the loop)."""
        view = InstanceView.from_body(body)
        self._finished.discard(view.uid)
        found = [credentials_of(view), self.binding_in(view.ref.namespace)]
        return [held for held in found if held is not None]

    def bindings(self, namespaces: Iterable[str]) -> list[Held]:
        return [held for ns in namespaces if (held := self.binding_in(ns)) is not None]

    def binding_in(self, namespace: str) -> Held | None:
        if self._role_binding is None:
            return None
        return Held("rolebindings", namespace, self._role_binding)

    def forget(self, kind: HeldKind, namespace: str, name: str) -> None:
        """The object changed under us (the Secret poll saw a new version): check it again."""
        with self._lock:
            self._held.discard(Held(kind, namespace, name))

    def reset(self) -> None:
        """Another replica may have been active meanwhile: trust nothing remembered."""
        with self._lock:
            self._held.clear()
            self._warned.clear()

    # --- the mechanics ---------------------------------------------------------------------------

    def _lock_for(self, held: Held) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(held, threading.Lock())

    def _take(self, held: Held) -> Literal["held", "missing", "refused"]:
        """Whether the object carries the finalizer now; "refused" when it is already being
        deleted without it (the API server allows no new finalizer then)."""
        with self._lock_for(held):
            if held in self._held:
                return "held"
            for _ in range(_ATTEMPTS):
                meta = self._kube.read_meta(held.kind, held.namespace, held.name)
                if meta is None:
                    return "missing"
                if IN_USE_FINALIZER in meta.finalizers:
                    break
                if meta.deleting:
                    return "refused"
                if self._write(held, meta, [*meta.finalizers, IN_USE_FINALIZER]):
                    log.info("Added %s to %s", IN_USE_FINALIZER, held)
                    break
            else:
                raise ApiException(status=409, reason=f"{held} kept changing")
            with self._lock:
                self._held.add(held)
                self._warned.discard(held)
            return "held"

    def _release(self, held: Held) -> None:
        with self._lock_for(held):
            if self._needed(held):
                return
            with self._lock:
                self._held.discard(held)
            for _ in range(_ATTEMPTS):
                meta = self._kube.read_meta(held.kind, held.namespace, held.name)
                if meta is None or IN_USE_FINALIZER not in meta.finalizers:
                    return
                kept = [item for item in meta.finalizers if item != IN_USE_FINALIZER]
                if self._write(held, meta, kept):
                    log.info("Removed %s from %s: no Instance needs it", IN_USE_FINALIZER, held)
                    return
            raise ApiException(status=409, reason=f"{held} kept changing")

    def _write(self, held: Held, meta: Meta, finalizers: list[str]) -> bool:
        """False when the object changed since it was read (written, deleted, or being deleted:
        409, 404, 422); the caller reads it again."""
        try:
            self._kube.set_finalizers(held.kind, held.namespace, held.name, meta, finalizers)
        except ApiException as exc:
            if exc.status in (404, 409, 422):
                return False
            raise
        return True

    def _needed(self, held: Held) -> bool:
        """Asked of the registry first (no request); a "no" is confirmed with a fresh list, since
        the watch may not have shown an Instance created a moment ago."""
        if any(self._needs(view, held) for view in self._registry.all()):
            return True
        listed = self._kube.list_instances(held.namespace)
        return any(self._needs(InstanceView.from_body(body), held) for body in listed)

    def _needs(self, view: InstanceView, held: Held) -> bool:
        if view.ref.namespace != held.namespace:
            return False
        if held.kind == "rolebindings":
            return True  # kopf needs the rights until the last Instance finalizer is removed
        if credentials_of(view) != held:
            return False
        done = view.uid in self._finished or FINALIZER not in view.finalizers
        return not (view.deleting and done)

    def _warn(self, held: Held, consequence: str) -> None:
        with self._lock:
            if held in self._warned:
                return
            self._warned.add(held)
        log.warning(
            "Cannot put %s on %s (missing, or being deleted without it): %s",
            IN_USE_FINALIZER,
            held,
            consequence,
        )
