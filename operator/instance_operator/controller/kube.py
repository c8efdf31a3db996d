"""The operator's own Kubernetes calls, outside kopf: status patches, Events, Secret reads.

kopf owns the watch and the finalizer; everything the reconcile writes goes
through here, from worker threads (the official client is synchronous, like the OpenStack one).
Status is merge-patched on the ``status`` subresource, so a write never touches the spec and never
bumps ``metadata.generation``.
"""

from __future__ import annotations

import base64
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from instance_operator.api import names
from instance_operator.controller.status.reasons import Reason

log = logging.getLogger(__name__)

COMPONENT = "instance-operator"


@dataclass(frozen=True)
class InstanceRef:
    namespace: str
    name: str
    uid: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Meta:
    """What a finalizer write needs of an object: its finalizers, version, and whether it is
    being deleted (no finalizer can be added then)."""

    finalizers: tuple[str, ...]
    resource_version: str
    deleting: bool


#: The kinds the operator puts its ``in-use`` finalizer on.
HeldKind = Literal["secrets", "rolebindings"]

_MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True)
class SecretData:
    resource_version: str
    data: dict[str, bytes]


class Kube:
    def __init__(self, api: k8s.ApiClient, *, reporting_instance: str) -> None:
        self._custom = k8s.CustomObjectsApi(api)
        self._core = k8s.CoreV1Api(api)
        self._rbac = k8s.RbacAuthorizationV1Api(api)
        self._reporting_instance = reporting_instance

    def patch_status(self, ref: InstanceRef, patch: dict[str, Any]) -> dict[str, Any] | None:
        """Merge-patch ``status``; the patched object, or None when the Instance is gone."""
        try:
            result = self._custom.patch_namespaced_custom_object_status(
                names.GROUP, names.VERSION, ref.namespace, names.PLURAL, ref.name, {"status": patch}
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return cast(dict[str, Any], result)

    def get_instance(self, ref: InstanceRef) -> dict[str, Any] | None:
        try:
            result = self._custom.get_namespaced_custom_object(
                names.GROUP, names.VERSION, ref.namespace, names.PLURAL, ref.name
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return cast(dict[str, Any], result)

    def add_finalizer(
        self, ref: InstanceRef, resource_version: str, finalizers: tuple[str, ...]
    ) -> None:
        """Add the operator's finalizer, if the object is still at ``resource_version`` (409 if
        not: someone else wrote it meanwhile, and the next pass sees the newer object)."""
        if names.FINALIZER in finalizers:
            return
        patch = {
            "metadata": {
                "finalizers": [*finalizers, names.FINALIZER],
                "resourceVersion": resource_version,
            }
        }
        self._custom.patch_namespaced_custom_object(
            names.GROUP, names.VERSION, ref.namespace, names.PLURAL, ref.name, patch
        )

    def list_instances(self, namespace: str) -> list[dict[str, Any]]:
        """The namespace's Instances as the API server has them now (not as the watch saw them)."""
        found = self._custom.list_namespaced_custom_object(
            names.GROUP, names.VERSION, namespace, names.PLURAL
        )
        return cast(list[dict[str, Any]], cast(dict[str, Any], found).get("items") or [])

    def read_meta(self, kind: HeldKind, namespace: str, name: str) -> Meta | None:
        try:
            if kind == "secrets":
                meta = self._core.read_namespaced_secret(name, namespace).metadata
            else:
                meta = self._rbac.read_namespaced_role_binding(name, namespace).metadata
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        assert meta is not None  # the API server always sends metadata
        return Meta(
            finalizers=tuple(meta.finalizers or ()),
            resource_version=meta.resource_version or "",
            deleting=meta.deletion_timestamp is not None,
        )

    def set_finalizers(
        self, kind: HeldKind, namespace: str, name: str, meta: Meta, finalizers: list[str]
    ) -> None:
        """Only if the object is still at ``meta.resource_version`` (409 if not). A merge patch
        of ``metadata`` alone, so only ``patch`` is needed: never ``update``, never the data."""
        body = {
            "metadata": {"finalizers": finalizers or None, "resourceVersion": meta.resource_version}
        }
        if kind == "secrets":
            self._core.patch_namespaced_secret(name, namespace, body, _content_type=_MERGE_PATCH)
        else:
            self._rbac.patch_namespaced_role_binding(
                name, namespace, body, _content_type=_MERGE_PATCH
            )

    def read_secret(self, namespace: str, name: str) -> SecretData | None:
        try:
            secret = self._core.read_namespaced_secret(name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        decoded = {key: base64.b64decode(value) for key, value in (secret.data or {}).items()}
        version = secret.metadata.resource_version if secret.metadata else None
        return SecretData(resource_version=version or "", data=decoded)

    def post_event(
        self,
        ref: InstanceRef,
        kind: Literal["Normal", "Warning"],
        reason: Reason,
        message: str,
    ) -> None:
        """Best effort: an Event that cannot be posted is logged, never a reason to fail a reconcile."""
        now = datetime.now(UTC)
        event = k8s.CoreV1Event(
            metadata=k8s.V1ObjectMeta(
                name=f"{ref.name}.{secrets.token_hex(8)}", namespace=ref.namespace
            ),
            involved_object=k8s.V1ObjectReference(
                api_version=names.API_VERSION,
                kind=names.KIND,
                name=ref.name,
                namespace=ref.namespace,
                uid=ref.uid,
            ),
            reason=reason.value,
            message=message[:1024],
            type=kind,
            count=1,
            first_timestamp=now,
            last_timestamp=now,
            event_time=None,
            source=k8s.V1EventSource(component=COMPONENT),
            reporting_component=f"{names.GROUP}/{COMPONENT}",
            reporting_instance=self._reporting_instance,
        )
        try:
            self._core.create_namespaced_event(ref.namespace, event)
        except ApiException as exc:
            if exc.status == 403 and "being terminated" in str(exc.body):
                # Nothing can be created in a namespace being deleted; not a missing right.
                log.debug(
                    "Event %s not posted: namespace %s is being deleted",
                    reason.value,
                    ref.namespace,
                )
                return
            log.warning(
                "Could not post the %s Event for %s: %s %s",
                reason.value,
                ref,
                exc.status,
                exc.reason,
            )
