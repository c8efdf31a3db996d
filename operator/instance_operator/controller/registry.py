"""The operator's in-memory view of the Instances it serves, fed by kopf's watch events.

The shared watcher learns about servers, not Instances; this index turns a server (by its
``iop-uid-`` tag, or by ID once Nova has dropped the tags of a deleted server) back into the
Instance to reconcile, and tells which Instances depend on which Secret and credential scope.
Views are immutable snapshots, replaced whole on every event, so readers in worker threads never
see half an update.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from instance_operator.api import names
from instance_operator.api.models import InstanceStatus
from instance_operator.controller.kube import InstanceRef

log = logging.getLogger(__name__)

SecretKey = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True)
class InstanceView:
    ref: InstanceRef
    generation: int
    #: As written: the reconciler validates it, for an invalid spec is the user's to fix and
    #: must still be reported (and its Secrets still known), not dropped here.
    spec: Mapping[str, Any]
    annotations: Mapping[str, str]
    status: InstanceStatus
    deleting: bool
    resource_version: str = ""
    created: str = field(default="", compare=False)
    finalizers: tuple[str, ...] = ()

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> InstanceView:
        meta = body.get("metadata", {})
        return cls(
            ref=InstanceRef(
                namespace=meta.get("namespace", ""), name=meta["name"], uid=meta["uid"]
            ),
            generation=int(meta.get("generation") or 0),
            spec=body.get("spec") or {},
            annotations=dict(meta.get("annotations") or {}),
            status=status_of(body),
            deleting=bool(meta.get("deletionTimestamp")),
            resource_version=meta.get("resourceVersion", ""),
            created=meta.get("creationTimestamp", ""),
            finalizers=tuple(meta.get("finalizers") or ()),
        )

    @property
    def uid(self) -> str:
        return self.ref.uid

    @property
    def protected(self) -> bool:
        """The deletion-protection annotation says ``"true"``, as the chart's policy reads it."""
        return self.annotations.get(names.DELETION_PROTECTION) == "true"

    @property
    def credentials_secret(self) -> str | None:
        """``spec.cloudCredentialsRef.secretName``, read leniently: an invalid spec still names
        its Secret (to keep it, and to be woken when it changes)."""
        return self._credentials_field("secretName")

    @property
    def cloud_name(self) -> str:
        """``spec.cloudCredentialsRef.cloudName``, read leniently ("?" if absent), for messages."""
        return self._credentials_field("cloudName") or "?"

    def _credentials_field(self, name: str) -> str | None:
        ref = self.spec.get("cloudCredentialsRef")
        value = ref.get(name) if isinstance(ref, Mapping) else None
        return value if isinstance(value, str) else None

    @property
    def secrets(self) -> tuple[SecretKey, ...]:
        """The Secrets the spec refers to (credentials, user data), read leniently: an invalid
        spec still names its Secrets, and fixing one of them must still wake the Instance."""
        found = []
        credentials = self.credentials_secret
        if credentials is not None:
            found.append((self.ref.namespace, credentials))
        user_data = self.spec.get("userData")
        secret_ref = user_data.get("secretRef") if isinstance(user_data, Mapping) else None
        if isinstance(secret_ref, Mapping) and isinstance(secret_ref.get("name"), str):
            found.append((self.ref.namespace, secret_ref["name"]))
        return tuple(found)


def status_of(body: Mapping[str, Any]) -> InstanceStatus:
    """The status as the operator last wrote it. One that does not parse (edited by hand through
    the status subresource) counts as empty: the next pass finds the server again by its tag and
    writes the status anew, so nothing is created twice."""
    try:
        return InstanceStatus.model_validate(body.get("status") or {})
    except ValidationError as exc:
        meta = body.get("metadata", {})
        log.warning(
            "The status of Instance %s/%s is not one the operator wrote (%s); rebuilding it",
            meta.get("namespace"),
            meta.get("name"),
            exc.errors()[0]["msg"],
        )
        return InstanceStatus()


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: dict[str, InstanceView] = {}
        self._by_server: dict[str, str] = {}
        self._servers_of: dict[str, set[str]] = defaultdict(set)
        self._scopes: dict[str, str] = {}
        self._by_scope: dict[str, set[str]] = defaultdict(set)

    def update(self, body: Mapping[str, Any]) -> InstanceView:
        view = InstanceView.from_body(body)
        with self._lock:
            self._views[view.uid] = view
            if view.status.server_id is not None:
                self._link(view.uid, view.status.server_id)
        return view

    def _link(self, uid: str, server_id: str) -> None:
        self._by_server[server_id] = uid
        self._servers_of[uid].add(server_id)

    def remove(self, uid: str) -> None:
        with self._lock:
            self._views.pop(uid, None)
            for server_id in self._servers_of.pop(uid, ()):
                self._by_server.pop(server_id, None)
            scope = self._scopes.pop(uid, None)
            if scope is not None:
                self._by_scope[scope].discard(uid)

    def get(self, uid: str) -> InstanceView | None:
        with self._lock:
            return self._views.get(uid)

    def all(self) -> list[InstanceView]:
        with self._lock:
            return list(self._views.values())

    def link_server(self, uid: str, server_id: str) -> None:
        with self._lock:
            self._link(uid, server_id)

    def claim_server(self, uid: str, server_id: str) -> str | None:
        """Link the server to ``uid`` unless another known Instance follows it already; returns
        that Instance's UID then. Atomic: two Instances importing one server never both win."""
        with self._lock:
            other = self._by_server.get(server_id)
            if other is not None and other != uid and other in self._views:
                return other
            self._link(uid, server_id)
            return None

    def uid_for_server(self, server_id: str) -> str | None:
        with self._lock:
            return self._by_server.get(server_id)

    def assign_scope(self, uid: str, scope: str) -> None:
        with self._lock:
            old = self._scopes.get(uid)
            if old == scope:
                return
            if old is not None:
                self._by_scope[old].discard(uid)
            if uid in self._views:
                self._scopes[uid] = scope
                self._by_scope[scope].add(uid)

    def in_scope(self, scope: str) -> list[InstanceView]:
        with self._lock:
            return [self._views[u] for u in self._by_scope.get(scope, ()) if u in self._views]

    def using_secret(self, secret: SecretKey) -> list[InstanceView]:
        with self._lock:
            return [v for v in self._views.values() if secret in v.secrets]

    def secrets(self) -> set[SecretKey]:
        with self._lock:
            return {key for v in self._views.values() for key in v.secrets}
