"""A user's verbs on a cluster, as ``kubectl`` offers them: apply, annotate, get, wait, delete.

Everything goes through the Kubernetes API with the official client, exactly as a user's tools
would, so whatever the demo, the end-to-end tests or a benchmark see is what a user would see.
Each wait polls and first asks a ``guard`` whether the sandbox is still whole, so a crashed
operator fails a wait at once with its log instead of after a timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from instance_operator.api import names
from instance_operator.api.crd import instance_crd

T = TypeVar("T")
Guard = Callable[[], None]
Obj = dict[str, Any]


class WaitTimeout(AssertionError):
    """What a wait expected, and the last thing it saw instead."""


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    timeout: float = 30.0,
    *,
    interval: float = 0.1,
    guard: Guard | None = None,
    describe: Callable[[], str] | None = None,
) -> T:
    """Poll ``probe`` until it returns something truthy; :class:`WaitTimeout` names ``what`` and
    what ``describe`` says there is instead."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        if guard is not None:
            guard()
        last = probe()
        if last:
            return last
        if time.monotonic() >= deadline:
            seen = describe() if describe is not None else repr(last)
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {what}; now: {seen}")
        time.sleep(interval)


def _absent(exc: ApiException) -> bool:
    return bool(exc.status == 404)


class Cluster:
    """The Instances, Secrets and Events of one namespace; :meth:`in_namespace` for another."""

    def __init__(self, api: k8s.ApiClient, namespace: str, guard: Guard | None = None) -> None:
        self.api = api
        self.namespace = namespace
        self.guard = guard
        self.core = k8s.CoreV1Api(api)
        self.custom = k8s.CustomObjectsApi(api)

    def in_namespace(self, namespace: str) -> Cluster:
        return Cluster(self.api, namespace, self.guard)

    # --- cluster set-up --------------------------------------------------------------------------

    def apply_crd(self, timeout: float = 30.0) -> None:
        """Create the Instance CRD, or bring an existing one up to this version's schema."""
        extensions = k8s.ApiextensionsV1Api(self.api)
        crd = instance_crd()
        try:
            extensions.create_custom_resource_definition(cast(Any, crd))
        except ApiException as exc:
            if exc.status != 409:
                raise
            current = extensions.read_custom_resource_definition(names.CRD_NAME)
            assert current.metadata is not None
            crd["metadata"]["resourceVersion"] = current.metadata.resource_version
            extensions.replace_custom_resource_definition(names.CRD_NAME, cast(Any, crd))
        wait_for("the Instance CRD to be served", self._crd_served, timeout)

    def _crd_served(self) -> bool:
        try:
            self.custom.list_namespaced_custom_object(
                names.GROUP, names.VERSION, self.namespace, names.PLURAL, limit=1
            )
        except ApiException:
            return False
        return True

    def ensure_namespace(self) -> bool:
        """Create this namespace if it does not exist; true if it was created."""
        try:
            self.core.create_namespace(
                k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=self.namespace))
            )
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def delete_namespace(self) -> None:
        try:
            self.core.delete_namespace(self.namespace)
        except ApiException as exc:
            if not _absent(exc):
                raise

    def put_secret(self, name: str, data: dict[str, str]) -> None:
        """Create or replace a Secret from plain strings (``stringData``)."""
        body = k8s.V1Secret(metadata=k8s.V1ObjectMeta(name=name), string_data=data)
        try:
            self.core.create_namespaced_secret(self.namespace, body)
        except ApiException as exc:
            if exc.status != 409:
                raise
            self.core.replace_namespaced_secret(name, self.namespace, body)

    def delete_secret(self, name: str) -> None:
        try:
            self.core.delete_namespaced_secret(name, self.namespace)
        except ApiException as exc:
            if not _absent(exc):
                raise

    # --- Instances -------------------------------------------------------------------------------

    def create(self, instance: Obj) -> Obj:
        result = self.custom.create_namespaced_custom_object(
            names.GROUP, names.VERSION, self.namespace, names.PLURAL, instance
        )
        return cast(Obj, result)

    def get(self, name: str) -> Obj | None:
        try:
            result = self.custom.get_namespaced_custom_object(
                names.GROUP, names.VERSION, self.namespace, names.PLURAL, name
            )
        except ApiException as exc:
            if _absent(exc):
                return None
            raise
        return cast(Obj, result)

    def instances(self) -> list[Obj]:
        """Every Instance of the namespace, in one list call."""
        listing = cast(
            Obj,
            self.custom.list_namespaced_custom_object(
                names.GROUP, names.VERSION, self.namespace, names.PLURAL
            ),
        )
        items: list[Obj] = listing.get("items") or []
        return items

    def status(self, name: str) -> Obj:
        status: Obj = (self.get(name) or {}).get("status") or {}
        return status

    def condition(self, name: str, kind: str) -> Obj:
        return condition_of(self.get(name) or {}, kind)

    def patch(self, name: str, patch: Obj) -> None:
        """A JSON merge patch, as ``kubectl patch --type merge``."""
        self.custom.patch_namespaced_custom_object(
            names.GROUP, names.VERSION, self.namespace, names.PLURAL, name, patch
        )

    def patch_spec(self, name: str, spec: Obj) -> None:
        self.patch(name, {"spec": spec})

    def annotate(self, name: str, action: str, token: str) -> None:
        """``kubectl annotate --overwrite instance NAME instance-operator.dev/ACTION=TOKEN``."""
        self.patch(name, {"metadata": {"annotations": {names.Action(action).annotation: token}}})

    def delete(self, name: str) -> None:
        self.custom.delete_namespaced_custom_object(
            names.GROUP, names.VERSION, self.namespace, names.PLURAL, name
        )

    def events(self, name: str) -> list[tuple[str, str, str]]:
        """(type, reason, message) of the Events about an Instance, oldest first."""
        found = self.core.list_namespaced_event(
            self.namespace, field_selector=f"involvedObject.name={name}"
        ).items
        mine = [e for e in found if e.involved_object.kind == names.KIND]
        mine.sort(key=_event_time)
        return [(e.type or "", e.reason or "", e.message or "") for e in mine]

    def reasons(self, name: str) -> list[tuple[str, str]]:
        """(type, reason) of the Events about an Instance, oldest first."""
        return [(kind, reason) for kind, reason, _ in self.events(name)]

    # --- waiting ---------------------------------------------------------------------------------

    def wait(
        self, what: str, probe: Callable[[], T | None], timeout: float = 30.0, about: str = ""
    ) -> T:
        """:func:`wait_for`, failing at once if the sandbox broke; on a timeout the message shows
        the Instance ``about``."""
        describe = (lambda: self.describe(about)) if about else None
        return wait_for(what, probe, timeout, guard=self.guard, describe=describe)

    def describe(self, name: str) -> str:
        """An Instance's state in one line: phase, conditions, actions."""
        instance = self.get(name)
        if instance is None:
            return f"{name} does not exist"
        status = instance.get("status") or {}
        parts = [
            f"generation {instance['metadata'].get('generation')}",
            f"phase {status.get('phase')}",
        ]
        parts += [
            f"{c['type']}={c['status']} {c.get('reason')} (gen {c.get('observedGeneration')}): {c.get('message', '')}"
            for c in status.get("conditions") or []
        ]
        parts += [
            f"{key} {record.get('token')!r} {record.get('result')}: {record.get('message', '')}"
            for key, record in (status.get("actions") or {}).items()
        ]
        return "; ".join(parts)

    def wait_ready(self, name: str, timeout: float = 30.0) -> Obj:
        """Until Ready is True for the current generation; returns the status."""

        def ready() -> Obj | None:
            obj = self.get(name) or {}
            condition = condition_of(obj, "Ready")
            current = condition.get("observedGeneration") == obj["metadata"]["generation"]
            return obj["status"] if condition.get("status") == "True" and current else None

        return self.wait(f"{name} to be Ready", ready, timeout, about=name)

    def wait_condition(self, name: str, kind: str, reason: str, timeout: float = 30.0) -> Obj:
        """Until condition ``kind`` is True with ``reason``; returns the condition."""

        def matches() -> Obj | None:
            condition = self.condition(name, kind)
            hit = condition.get("status") == "True" and condition.get("reason") == reason
            return condition if hit else None

        return self.wait(f"{name} to be {kind} with reason {reason}", matches, timeout, name)

    def wait_phase(self, name: str, phase: str, timeout: float = 30.0) -> Obj:
        def reached() -> Obj | None:
            status = self.status(name)
            return status if status.get("phase") == phase else None

        return self.wait(f"{name} to reach phase {phase}", reached, timeout, name)

    def wait_action(self, name: str, action: str, token: str, timeout: float = 30.0) -> Obj:
        """Until ``status.actions`` has a final result for ``token``; returns that record."""
        key = names.Action(action).status_key

        def finished() -> Obj | None:
            record = action_of(self.get(name) or {}, action)
            final = record.get("result") in ("Succeeded", "Failed")
            return record if record.get("token") == token and final else None

        return self.wait(f"{name}'s {action} {token!r} to finish ({key})", finished, timeout, name)

    def wait_gone(self, name: str, timeout: float = 30.0) -> None:
        self.wait(f"{name} to be deleted", lambda: self.get(name) is None, timeout, name)

    def wait_event(self, name: str, kind: str, reason: str, timeout: float = 10.0) -> str:
        """The message of the first Event of that type and reason, once it is there (a pass posts
        its Events before its status write, but an Event of a later pass trails what came before)."""

        def found() -> str | None:
            return next((m for k, r, m in self.events(name) if (k, r) == (kind, reason)), None)

        return self.wait(f"a {kind} {reason} Event for {name}", found, timeout, name)


def connect(kubeconfig: str, namespace: str = "default", guard: Guard | None = None) -> Cluster:
    """A :class:`Cluster` for ``kubeconfig`` (a path, or a list as in ``KUBECONFIG``)."""
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)  # type: ignore[no-untyped-call]
    return Cluster(k8s.ApiClient(configuration), namespace, guard)


def condition_of(instance: Obj, kind: str) -> Obj:
    conditions = (instance.get("status") or {}).get("conditions") or []
    found: Obj = next((c for c in conditions if c.get("type") == kind), {})
    return found


def action_of(instance: Obj, action: str) -> Obj:
    """The ``status.actions`` record of ``action`` (an annotation name: ``hard-reboot``)."""
    actions = (instance.get("status") or {}).get("actions") or {}
    record: Obj = actions.get(names.Action(action).status_key) or {}
    return record


def _event_time(event: Any) -> tuple[str, str]:
    when = event.first_timestamp or event.event_time or event.metadata.creation_timestamp
    return (when.isoformat() if when is not None else "", event.metadata.name)
