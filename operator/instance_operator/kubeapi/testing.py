"""The emulated API server as a subprocess, with counters and faults reached over HTTP.

For tests and benchmarks that must not share a process (or a GIL) with the server::

    with kube_api_process(tmp_path) as api:
        env = {**os.environ, "KUBECONFIG": str(api.kubeconfig)}
        ...
        api.faults.inject("conflict", verbs=["patch"], resource="instances", count=2)
        api.faults.inject("down", seconds=15)      # the control endpoint is down with it
        assert api.counters.requests(verb="create", resource="instances") == 1
"""

from __future__ import annotations

import contextlib
import dataclasses
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import requests

from instance_operator.kubeapi.control import PREFIX
from instance_operator.kubeapi.counters import Rows, total_requests, total_writes

_TIMEOUT = 10.0


class RemoteCounters:
    """The methods of :class:`~instance_operator.kubeapi.counters.Counters`, over HTTP."""

    def __init__(self, url: str) -> None:
        self._url = f"{url}{PREFIX}/counters"

    def snapshot(self) -> dict[str, Rows]:
        response = requests.get(self._url, timeout=_TIMEOUT)
        response.raise_for_status()
        snapshot: dict[str, Rows] = response.json()
        return snapshot

    def reset(self) -> None:
        requests.delete(self._url, timeout=_TIMEOUT).raise_for_status()

    def requests(
        self,
        *,
        verb: str | None = None,
        resource: str | None = None,
        subresource: str | None = None,
        namespace: str | None = None,
    ) -> int:
        return total_requests(self.snapshot()["requests"], verb, resource, subresource, namespace)

    def writes(self, resource: str, name: str, namespace: str = "") -> int:
        return total_writes(self.snapshot()["writes"], resource, name, namespace)


class RemoteFaults:
    """The methods of :class:`~instance_operator.kubeapi.faults.Faults`, over HTTP."""

    def __init__(self, url: str) -> None:
        self._url = f"{url}{PREFIX}/faults"

    def inject(
        self,
        kind: str,
        *,
        verbs: Iterable[str] | None = None,
        resource: str | None = None,
        count: int | None = None,
        rate: float = 1.0,
        seconds: float | None = None,
        events: int | None = None,
        midway: bool = False,
    ) -> int:
        rule: dict[str, Any] = {"kind": kind}
        optional = {"resource": resource, "count": count, "seconds": seconds, "events": events}
        rule.update({name: value for name, value in optional.items() if value is not None})
        if rate != 1.0:
            rule["rate"] = rate
        if midway:
            rule["midway"] = True
        if verbs is not None:
            rule["verbs"] = list(verbs)
        response = requests.post(self._url, json=rule, timeout=_TIMEOUT)
        if response.status_code == 400:
            raise ValueError(response.json()["message"])
        response.raise_for_status()
        fault_id: int = response.json()["id"]
        return fault_id

    def clear(self) -> None:
        requests.delete(self._url, timeout=_TIMEOUT).raise_for_status()

    def rules(self) -> list[dict[str, Any]]:
        response = requests.get(self._url, timeout=_TIMEOUT)
        response.raise_for_status()
        rules: list[dict[str, Any]] = response.json()["faults"]
        return rules


@dataclasses.dataclass
class KubeAPIProcess:
    url: str
    kubeconfig: Path
    counters: RemoteCounters
    faults: RemoteFaults
    process: subprocess.Popen[str]


@contextlib.contextmanager
def kube_api_process(
    directory: Path,
    *,
    watch_history: int | None = None,
    bookmark_interval: float | None = None,
    startup_timeout: float = 30.0,
) -> Iterator[KubeAPIProcess]:
    """Run ``instance-operator kube-api`` until the block ends; its kubeconfig goes in ``directory``."""
    kubeconfig = directory / "kubeconfig.yaml"
    command = [
        sys.executable,
        "-m",
        "instance_operator",
        "kube-api",
        "--port",
        "0",
        "--kubeconfig",
        str(kubeconfig),
    ]
    if watch_history is not None:
        command += ["--watch-history", str(watch_history)]
    if bookmark_interval is not None:
        command += ["--bookmark-interval", str(bookmark_interval)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own command line
    try:
        url = _first_line(process, startup_timeout)
        yield KubeAPIProcess(url, kubeconfig, RemoteCounters(url), RemoteFaults(url), process)
    finally:
        _stop(process)


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if ready:
            line = process.stdout.readline().strip()
            if not line:
                raise RuntimeError(f"kube-api exited before it was ready (code {process.wait()})")
            return line
    raise TimeoutError(f"kube-api printed no URL within {timeout} seconds")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
