"""``instance-operator demo`` as a user runs it: from a shell, to the end or interrupted."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from kubernetes import client as k8s

from instance_operator.api import names
from instance_operator.kubeapi.testing import kube_api_process
from instance_operator.sandbox import connect
from tests.e2e.support import alive, children_of

#: The demo takes about half a minute here; this is for a slow, busy machine.
DEMO_TIMEOUT = 150.0
#: The demo as a shell on a terminal starts it: with SIGINT at its default. Tests started in the
#: background (``make test &``) inherit SIGINT *ignored*; Python then installs no KeyboardInterrupt
#: handler, so a demo started from them would rightly ignore the Ctrl-C test's SIGINT.
AS_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL);"
    " os.execv(sys.executable, [sys.executable, '-m', 'instance_operator', 'demo'])"
)


class DemoRun:
    """The demo in a child process, its output collected and its own children noted as they come."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", AS_FROM_A_TERMINAL],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.children: set[int] = set()
        self._threads = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._watch_children, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def _watch_children(self) -> None:
        while self.process.poll() is None:
            self.children |= children_of(self.process.pid)
            time.sleep(0.05)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            assert self.process.poll() is None, f"the demo ended early:\n{self.output}"
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n{self.output}")

    def wait_for_children(self, count: int = 3, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.children) < count:
            assert time.monotonic() < deadline, f"children seen: {self.children}"
            time.sleep(0.05)

    def finish(self, timeout: float = DEMO_TIMEOUT) -> int:
        """The exit code; a demo still running after ``timeout`` dumps its threads' stacks first.

        The dump (faulthandler, on SIGABRT) lands in :attr:`output`, so a failure shows where
        the demo was stuck, not only that it was.
        """
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            raise AssertionError(f"the demo ran on after {timeout} s:\n{self.output}") from None
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for thread in self._threads:
                thread.join(5)

    def assert_nothing_left(self, started: int = 3) -> None:
        """``started``: the simulator, the Kubernetes API (unless given one), the operator."""
        assert len(self.children) == started, self.children
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in self.children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in self.children if alive(pid)]


def environment(tmp: Path, **extra: str) -> dict[str, str]:
    """The user's environment without KUBECONFIG; temporary files (logs) go to ``tmp``."""
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    return {**env, "TMPDIR": str(tmp), "PYTHONFAULTHANDLER": "1", **extra}


def test_the_demo_runs_to_the_end_embedded_and_on_an_existing_cluster(tmp_path: Path) -> None:
    """Both at once: the demo mostly waits for its simulated cloud, so two fit side by side."""
    with kube_api_process(tmp_path) as api:
        user = connect(str(api.kubeconfig))
        user.put_secret("openstack-credentials", {"clouds.yaml": "the user's own"})
        embedded = DemoRun(environment(tmp_path))
        existing = DemoRun(environment(tmp_path, KUBECONFIG=str(api.kubeconfig)))
        assert embedded.finish() == 0, embedded.output
        assert existing.finish() == 0, existing.output

        for demo in (embedded, existing):
            for number in range(1, 7):
                assert re.search(rf"^\[{number}/6\]", demo.output, re.MULTILINE)
            assert demo.output.count("  ok after ") == 6
            assert "Servers left in the cloud: db-primary (ACTIVE)" in demo.output
            assert "Nova calls: 3 creates, 5 actions, 2 deletes" in demo.output
            assert "\x1b[" not in demo.output  # not a terminal: plain lines, no redrawing
        embedded.assert_nothing_left()
        existing.assert_nothing_left(started=2)  # no Kubernetes API of its own

        # The existing cluster is as it was, but for the CRD.
        assert "namespace instance-operator-demo" in existing.output
        core = k8s.CoreV1Api(user.api)
        namespaces = {n.metadata.name for n in core.list_namespace().items if n.metadata}
        assert "instance-operator-demo" not in namespaces
        secret = core.read_namespaced_secret("openstack-credentials", "default")
        assert secret.data is not None
        assert secret.data["clouds.yaml"] == "dGhlIHVzZXIncyBvd24="  # untouched
        k8s.ApiextensionsV1Api(user.api).read_custom_resource_definition(names.CRD_NAME)
        assert api.counters.requests(verb="create", resource="instances") == 3
        user.api.close()


def test_a_crashed_operator_fails_the_demo_naming_the_step(tmp_path: Path) -> None:
    demo = DemoRun(environment(tmp_path))
    operator_pid = int(demo.wait_for_line(r"operator\s+pid (\d+)").group(1))
    demo.wait_for_line(r"^\[1/6\] create three Instances")
    demo.wait_for_children()
    os.kill(operator_pid, signal.SIGKILL)
    code = demo.finish(timeout=30)
    assert code == 1, demo.output
    failure = "demo FAILED: step 1 (create three Instances from examples/): the operator exited"
    assert f"{failure} (exit code -9)" in demo.output
    kept = re.search(r"\(logs kept in (\S+)\)", demo.output)
    assert kept is not None
    assert "operator start 1" in (Path(kept.group(1)) / "operator.log").read_text()
    demo.assert_nothing_left()


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    demo = DemoRun(environment(tmp_path))
    demo.wait_for_line(r"^\[1/6\]")
    demo.wait_for_children()
    demo.process.send_signal(signal.SIGINT)
    assert demo.finish(timeout=30) == 130, demo.output
    assert "interrupted" in demo.output
    demo.assert_nothing_left()
    assert list(tmp_path.iterdir()) == []  # and its logs went too


def test_a_killed_demo_takes_its_processes_along(tmp_path: Path) -> None:
    demo = DemoRun(environment(tmp_path))
    demo.wait_for_line(r"^\[1/6\]")
    demo.wait_for_children()
    demo.process.kill()  # no cleanup code runs: the kernel stops the children
    demo.finish(timeout=30)
    demo.assert_nothing_left()
