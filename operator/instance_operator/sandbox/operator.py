"""``instance-operator run`` as a child the sandbox can start, SIGKILL and start again.

Its output from every start goes to one log file, so a check over "everything the operator ever
logged" (no password, no token) reads one file.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from instance_operator.sandbox.processes import Child


@dataclasses.dataclass(frozen=True)
class OperatorFlags:
    """The cadences of ``instance-operator run``; the defaults make a sandbox react in a second."""

    namespaces: tuple[str, ...] = ()
    poll_interval: float = 1.0
    fast_poll_interval: float = 0.2
    resync_interval: float = 10.0
    secret_poll_interval: float = 1.0
    user_error_retry: float = 5.0
    #: Seconds to wait for an OpenStack answer (also how long an unknown action call is waited out).
    openstack_timeout: float = 60.0
    log_level: str = "info"
    log_format: str = "text"
    #: The Prometheus endpoint's port; 0 turns it off.
    metrics_port: int = 0
    #: Without peering (the default): the operator assumes it is the only one.
    standalone: bool = True
    #: With peering: seconds before a standby takes over from a replica that stopped.
    peering_lifetime: int = 15
    #: With peering: the (Cluster)KopfPeering object's name.
    peering_name: str = "instance-operator"
    #: The operator's RoleBinding in each watched namespace, which it holds with a finalizer.
    role_binding: str | None = None

    def argv(self) -> list[str]:
        args = ["run", "--metrics-port", str(self.metrics_port), "--log-level", self.log_level]
        args += ["--log-format", self.log_format]
        if self.standalone:
            args.append("--standalone")
        else:
            args += ["--peering-lifetime", str(self.peering_lifetime)]
            args += ["--peering-name", self.peering_name]
        for namespace in self.namespaces:
            args += ["--namespace", namespace]
        if self.role_binding:
            args += ["--role-binding", self.role_binding]
        args += ["--poll-interval", f"{self.poll_interval:g}"]
        args += ["--fast-poll-interval", f"{self.fast_poll_interval:g}"]
        args += ["--resync-interval", f"{self.resync_interval:g}"]
        args += ["--secret-poll-interval", f"{self.secret_poll_interval:g}"]
        args += ["--user-error-retry", f"{self.user_error_retry:g}"]
        args += ["--openstack-timeout", f"{self.openstack_timeout:g}"]
        return args


class OperatorProcess:
    """The operator against ``kubeconfig``; :meth:`check` fails only while it should be running."""

    def __init__(self, kubeconfig: str, log_path: Path, flags: OperatorFlags) -> None:
        self.kubeconfig = kubeconfig
        self.log_path = log_path
        self.flags = flags
        #: How many times it was started.
        self.starts = 0
        self._expected = False
        env = {**os.environ, "KUBECONFIG": kubeconfig, "PYTHONUNBUFFERED": "1"}
        self._child = Child("the operator", flags.argv(), log_path, env=env)

    @property
    def pid(self) -> int | None:
        return self._child.pid

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"--- sandbox: operator start {self.starts} ---\n")
        self._child.launch()
        self._expected = True

    def kill(self) -> None:
        """SIGKILL, as a node failure or the OOM killer would: no cleanup at all."""
        self._expected = False
        self._child.kill()

    def stop(self) -> None:
        """SIGTERM, as Kubernetes stops a pod; SIGKILL if it lingers."""
        self._expected = False
        self._child.stop()

    def restart(self) -> None:
        if self._child.running():
            self.stop()
        self.start()

    def running(self) -> bool:
        return self._child.running()

    def check(self) -> None:
        if self._expected:
            self._child.check()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
