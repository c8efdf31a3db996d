"""One call that brings up the whole product on this machine, and takes it all down again.

The simulator (or a real cloud's clouds.yaml), the embedded Kubernetes API (or an existing
cluster's kubeconfig) and ``instance-operator run`` start as child processes; the CRD, the
namespace and the credentials Secret are put in place; the block runs; then everything stops,
also when the block fails or the user presses Ctrl-C.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from instance_operator.kubeapi.hooks import RemotePauses
from instance_operator.kubeapi.kubeconfig import render_kubeconfig
from instance_operator.kubeapi.rbac.audit import RemoteAudit
from instance_operator.kubeapi.testing import RemoteCounters, RemoteFaults
from instance_operator.sandbox.cluster import Cluster, connect, wait_for
from instance_operator.sandbox.examples import (
    CLOUD_NAME,
    CREDENTIALS_SECRET,
    example_cloud,
    example_secrets,
)
from instance_operator.sandbox.operator import OperatorFlags, OperatorProcess
from instance_operator.sandbox.processes import Child
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.remote import RemoteSimulator

#: How long leaving an existing cluster may take: deleting the Instances the sandbox made there.
_CLEANUP_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True)
class KubeControls:
    """The embedded API's counters, faults, pauses and, with authorization on, audit
    (``/_kubeapi/``)."""

    url: str
    counters: RemoteCounters
    faults: RemoteFaults
    audit: RemoteAudit
    pauses: RemotePauses


@dataclasses.dataclass
class Box:
    """A running sandbox."""

    #: Logs (``operator.log``, ``simulator.log``, ``kube-api.log``), the kubeconfig, clouds.yaml.
    workdir: Path
    #: What ``KUBECONFIG`` must be to reach the cluster (a path, or a list as in the variable).
    kubeconfig: str
    #: The user's verbs in the sandbox's namespace.
    cluster: Cluster
    operator: OperatorProcess
    #: The simulator's controls; ``None`` when the sandbox runs against a real cloud.
    sim: RemoteSimulator | None
    #: The embedded API's controls; ``None`` on an existing cluster.
    kube: KubeControls | None
    #: The clouds.yaml in the credentials Secret (its cloud is named ``mycloud``).
    clouds_yaml: str
    _children: list[Child]
    _namespaces: list[tuple[Cluster, bool]]

    def check(self) -> None:
        """Raise :class:`~instance_operator.sandbox.processes.ChildFailed` if a process died."""
        self.operator.check()
        for child in self._children:
            child.check()

    def namespace(self, name: str) -> Cluster:
        """A namespace with the credentials Secret and the examples' Secrets in it."""
        cluster = self.cluster.in_namespace(name)
        created = cluster.ensure_namespace()
        self._namespaces.append((cluster, created))
        cluster.put_secret(CREDENTIALS_SECRET, {"clouds.yaml": self.clouds_yaml})
        for secret, data in example_secrets().items():
            cluster.put_secret(secret, data)
        return cluster

    def start_operator_as(self, namespace: str, service_account: str) -> None:
        """Start the operator with a token of this ServiceAccount instead of the admin's, as its
        pod would run (the embedded API needs ``Sandbox(authorization=True)`` for this to
        restrict anything). The ServiceAccount and its RBAC must exist."""
        if self.kube is None:
            raise RuntimeError("the operator runs as a ServiceAccount only on the embedded API")
        if self.operator.starts:
            raise RuntimeError("the operator was already started with the admin's kubeconfig")
        request = k8s.AuthenticationV1TokenRequest(spec=k8s.V1TokenRequestSpec(audiences=[]))
        answer = self.cluster.core.create_namespaced_service_account_token(
            service_account, namespace, request
        )
        assert answer.status is not None
        kubeconfig = self.workdir / f"kubeconfig-{namespace}-{service_account}.yaml"
        kubeconfig.write_text(render_kubeconfig(self.kube.url, token=answer.status.token))
        flags, log = self.operator.flags, self.operator.log_path
        self.operator = OperatorProcess(str(kubeconfig), log, flags)
        self.operator.start()


class Sandbox:
    """Configure, then ``with Sandbox(...).running() as box:``.

    ``simulator`` is the simulated cloud (default: :func:`example_cloud`, in which the examples are
    valid); ``clouds_yaml`` and ``cloud_name`` name a real cloud instead. ``kubeconfig`` (a path or
    a ``KUBECONFIG``-style list) uses that cluster instead of starting the embedded API; there the
    operator should be limited to the sandbox's namespace (``OperatorFlags(namespaces=...)``), and
    on leaving, the sandbox deletes what it made in that namespace. ``workdir`` holds the logs; a
    temporary one is removed afterwards unless the block raised an exception (an interrupt is not
    a failure).
    """

    def __init__(
        self,
        *,
        simulator: SimulatorConfig | None = None,
        clouds_yaml: str | None = None,
        cloud_name: str = CLOUD_NAME,
        kubeconfig: str | None = None,
        namespace: str = "default",
        operator: OperatorFlags | None = None,
        start_operator: bool = True,
        workdir: Path | None = None,
        authorization: bool = False,
    ) -> None:
        if simulator is not None and clouds_yaml is not None:
            raise ValueError("give a simulator config or a real cloud's clouds.yaml, not both")
        self.simulator_config = None if clouds_yaml is not None else simulator or example_cloud()
        self.real_clouds_yaml = clouds_yaml
        self.cloud_name = cloud_name
        self.external_kubeconfig = kubeconfig
        self.namespace = namespace
        self.operator_flags = operator or OperatorFlags()
        self.start_operator = start_operator
        self.workdir = workdir
        self.authorization = authorization

    @contextlib.contextmanager
    def running(self) -> Iterator[Box]:
        workdir = self.workdir or Path(tempfile.mkdtemp(prefix="instance-operator-sandbox-"))
        workdir.mkdir(parents=True, exist_ok=True)
        failed = False
        try:
            with self._running(workdir) as box:
                yield box
        except Exception:  # not on Ctrl-C: logs are kept for a failure only
            failed = True
            raise
        finally:
            if self.workdir is None and not failed:
                shutil.rmtree(workdir, ignore_errors=True)

    @contextlib.contextmanager
    def _running(self, workdir: Path) -> Iterator[Box]:
        children: list[Child] = []
        with contextlib.ExitStack() as stack:
            stack.callback(_stop_all, children)
            sim_child = self._simulator_child(workdir)
            kube_child = self._kube_child(workdir)
            for child in (sim_child, kube_child):
                if child is not None:
                    children.append(child)
                    child.launch()
            for child in children:
                child.wait_ready()

            sim = None
            if sim_child is not None:
                assert self.simulator_config is not None
                sim = RemoteSimulator(sim_child.ready_value, self.simulator_config)
                stack.callback(sim.close)
                clouds_yaml = sim.clouds_yaml(CLOUD_NAME)
            else:
                assert self.real_clouds_yaml is not None
                clouds_yaml = _renamed_cloud(self.real_clouds_yaml, self.cloud_name)
            (workdir / "clouds.yaml").write_text(clouds_yaml)

            kube = None
            if kube_child is not None:
                url = kube_child.ready_value
                kube = KubeControls(
                    url, RemoteCounters(url), RemoteFaults(url), RemoteAudit(url), RemotePauses(url)
                )
                kubeconfig = str(workdir / "kubeconfig.yaml")
            else:
                assert self.external_kubeconfig is not None
                kubeconfig = self.external_kubeconfig

            cluster = connect(kubeconfig, self.namespace)
            stack.callback(cluster.api.close)
            operator = OperatorProcess(kubeconfig, workdir / "operator.log", self.operator_flags)
            box = Box(
                workdir=workdir,
                kubeconfig=kubeconfig,
                cluster=cluster,
                operator=operator,
                sim=sim,
                kube=kube,
                clouds_yaml=clouds_yaml,
                _children=children,
                _namespaces=[],
            )
            box.cluster.guard = box.check
            box.cluster.apply_crd()
            box.cluster = box.namespace(self.namespace)
            stack.callback(_stop_operator, box)
            if kube is None:  # runs first: the operator still releases the servers
                stack.callback(_leave_cluster, box)
            if self.start_operator:
                operator.start()
            yield box

    def _simulator_child(self, workdir: Path) -> Child | None:
        if self.simulator_config is None:
            return None
        config_path = workdir / "simulator.yaml"
        config_path.write_text(self.simulator_config.to_yaml())
        args = ["simulator", "--port", "0", "--config", str(config_path)]
        args += ["--clouds-yaml", str(workdir / "simulator-clouds.yaml")]
        return Child("the simulator", args, workdir / "simulator.log", ready_line=True)

    def _kube_child(self, workdir: Path) -> Child | None:
        if self.external_kubeconfig is not None:
            return None
        args = ["kube-api", "--port", "0", "--kubeconfig", str(workdir / "kubeconfig.yaml")]
        if self.authorization:
            args.append("--authorization")
        return Child("the Kubernetes API", args, workdir / "kube-api.log", ready_line=True)


def _renamed_cloud(clouds_yaml: str, cloud_name: str) -> str:
    """The one cloud the examples use, under the name they use."""
    clouds = (yaml.safe_load(clouds_yaml) or {}).get("clouds") or {}
    if cloud_name not in clouds:
        raise ValueError(f"no cloud {cloud_name!r} in the clouds.yaml (has: {', '.join(clouds)})")
    return yaml.safe_dump({"clouds": {CLOUD_NAME: clouds[cloud_name]}}, sort_keys=False)


def _stop_operator(box: Box) -> None:
    """The operator that runs now, whoever it runs as (see :meth:`Box.start_operator_as`)."""
    box.operator.stop()


def _stop_all(children: list[Child]) -> None:
    for child in reversed(children):
        child.stop()


def _leave_cluster(box: Box) -> None:
    """Delete the Instances, Secrets and namespaces the sandbox made in an existing cluster.

    Instances go first, while the operator still runs to release their servers; any that are
    still there after a while (the operator died) lose their finalizer, since the cloud they
    point at is gone with the sandbox.
    """
    for cluster, _ in box._namespaces:
        for instance in cluster.instances():
            with contextlib.suppress(ApiException):
                cluster.delete(instance["metadata"]["name"])

    def all_gone() -> bool:
        return not any(cluster.instances() for cluster, _ in box._namespaces)

    timeout = _CLEANUP_TIMEOUT if box.operator.running() else 0.0
    try:
        wait_for("the sandbox's Instances to be deleted", all_gone, timeout)
    except AssertionError:
        for cluster, _ in box._namespaces:
            for instance in cluster.instances():
                with contextlib.suppress(ApiException):
                    cluster.patch(instance["metadata"]["name"], {"metadata": {"finalizers": None}})
    for cluster, created in box._namespaces:
        cluster.delete_secret(CREDENTIALS_SECRET)
        for secret in example_secrets():
            cluster.delete_secret(secret)
        if created:
            cluster.delete_namespace()


__all__ = ["Box", "KubeControls", "Sandbox"]
