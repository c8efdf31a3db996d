"""A Kubernetes API with the Instance CRD and a clouds.yaml Secret, and a user's verbs on it.

Tests talk to the embedded API server over HTTP with the official client, as ``kubectl`` would;
nothing here reaches into the operator.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from instance_operator.api import names
from instance_operator.api.crd import instance_crd
from instance_operator.kubeapi import KubeAPI

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SECRET = "openstack-credentials"
CLOUD = "mycloud"


def example(name: str) -> dict[str, Any]:
    """An Instance from examples/, for the tests to adapt."""
    (doc,) = [
        d for d in yaml.safe_load_all((EXAMPLES / name).read_text()) if d.get("kind") == "Instance"
    ]
    return copy.deepcopy(doc)  # type: ignore[no-any-return]


def wait_for(
    what: str, probe: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


class Cluster:
    def __init__(self, api: KubeAPI, kubeconfig: Path, namespace: str = "default") -> None:
        self.api = api
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        configuration = k8s.Configuration()
        k8s_config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
        self.client = k8s.ApiClient(configuration)
        self.core = k8s.CoreV1Api(self.client)
        self.custom = k8s.CustomObjectsApi(self.client)

    def install_crd(self) -> None:
        k8s.ApiextensionsV1Api(self.client).create_custom_resource_definition(instance_crd())
        wait_for("the Instance CRD to be served", self._crd_served)

    def _crd_served(self) -> bool:
        try:
            self.custom.list_namespaced_custom_object(
                names.GROUP, names.VERSION, self.namespace, names.PLURAL
            )
        except ApiException:
            return False
        return True

    def put_secret(self, name: str, data: dict[str, str]) -> None:
        body = {"metadata": {"name": name}, "stringData": data}
        try:
            self.core.create_namespaced_secret(self.namespace, body)
        except ApiException as exc:
            if exc.status != 409:
                raise
            self.core.replace_namespaced_secret(name, self.namespace, body)

    # --- Instances -------------------------------------------------------------------------------

    def apply(self, instance: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.custom.create_namespaced_custom_object(
            names.GROUP, names.VERSION, self.namespace, names.PLURAL, instance
        )
        return result

    def get(self, name: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self.custom.get_namespaced_custom_object(
                names.GROUP, names.VERSION, self.namespace, names.PLURAL, name
            )
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return result

    def status(self, name: str) -> dict[str, Any]:
        obj = self.get(name)
        return (obj or {}).get("status") or {}

    def condition(self, name: str, kind: str) -> dict[str, Any]:
        return next((c for c in self.status(name).get("conditions") or [] if c["type"] == kind), {})

    def patch(self, name: str, patch: dict[str, Any]) -> None:
        self.custom.patch_namespaced_custom_object(
            names.GROUP, names.VERSION, self.namespace, names.PLURAL, name, patch
        )

    def patch_spec(self, name: str, spec: dict[str, Any]) -> None:
        self.patch(name, {"spec": spec})

    def annotate(self, name: str, action: str, token: str) -> None:
        self.patch(name, {"metadata": {"annotations": {f"{names.PREFIX}{action}": token}}})

    def delete(self, name: str) -> None:
        self.custom.delete_namespaced_custom_object(
            names.GROUP, names.VERSION, self.namespace, names.PLURAL, name
        )

    def events(self, name: str) -> list[tuple[str, str, str]]:
        """(type, reason, message) of the Events about an Instance, oldest first."""
        found = self.core.list_namespaced_event(self.namespace).items
        mine = [
            e
            for e in found
            if e.involved_object.name == name and e.involved_object.kind == names.KIND
        ]
        mine.sort(key=lambda e: (e.first_timestamp, e.metadata.name))
        return [(e.type, e.reason, e.message) for e in mine]

    # --- waiting ---------------------------------------------------------------------------------

    def wait_ready(self, name: str, timeout: float = 20.0) -> dict[str, Any]:
        wait_for(
            f"{name} to be Ready",
            lambda: self.condition(name, "Ready").get("status") == "True",
            timeout,
        )
        return self.status(name)

    def wait_condition(
        self, name: str, kind: str, reason: str, timeout: float = 20.0
    ) -> dict[str, Any]:
        def matches() -> dict[str, Any] | None:
            condition = self.condition(name, kind)
            return (
                condition
                if condition.get("status") == "True" and condition.get("reason") == reason
                else None
            )

        return wait_for(f"{name} to be {kind} with reason {reason}", matches, timeout)

    def wait_action(self, name: str, key: str, token: str, timeout: float = 20.0) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            record = (self.status(name).get("actions") or {}).get(key) or {}
            done = record.get("token") == token and record.get("result") in ("Succeeded", "Failed")
            return record if done else None

        return wait_for(f"{name}'s {key} action {token!r} to finish", finished, timeout)

    def wait_event(self, name: str, kind: str, reason: str, timeout: float = 10.0) -> str:
        """The message of the first Event of that type and reason (posted just after the status
        write of the same pass, so it may trail the status a little)."""

        def found() -> str | None:
            return next((m for k, r, m in self.events(name) if (k, r) == (kind, reason)), None)

        return wait_for(f"a {kind} {reason} Event for {name}", found, timeout)

    def wait_gone(self, name: str, timeout: float = 20.0) -> None:
        wait_for(f"{name} to be deleted", lambda: self.get(name) is None, timeout)


@contextmanager
def running_cluster(tmp: Path) -> Iterator[Cluster]:
    with KubeAPI().running() as api:
        kubeconfig = tmp / "kubeconfig"
        api.write_kubeconfig(kubeconfig)
        cluster = Cluster(api, kubeconfig)
        cluster.install_crd()
        yield cluster
