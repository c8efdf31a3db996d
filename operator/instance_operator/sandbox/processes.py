"""``instance-operator`` subcommands as children that cannot outlive the sandbox.

Each child runs in a session of its own, so a terminal's Ctrl-C reaches only the sandbox, which
then stops the children in order (operator first, so it does not log a vanished API). A stop
signals the whole process group, escalating from SIGTERM to SIGKILL. Each child is started
through :mod:`~instance_operator.sandbox.launcher`, which has Linux kill it when the sandbox dies
without cleaning up (SIGKILL). That tie is to the thread that started the child, so start children
from a thread that lives as long as they should (the main thread).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

_STOP_GRACE = 10.0
_LAUNCHER = "instance_operator.sandbox.launcher"


class ChildFailed(RuntimeError):
    """A child exited when it should be running, or never got ready; the message has its log tail."""


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class Child:
    """``instance-operator ARGS`` in its own process group, stdout+stderr into ``log_path``.

    With ``ready_line`` the command prints one line (a URL) on stdout when it serves; ``start``
    waits for it and ``ready_value`` holds it. Stderr then still goes to the log.
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        log_path: Path,
        *,
        env: dict[str, str] | None = None,
        ready_line: bool = False,
        start_timeout: float = 60.0,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self._env = env
        self._ready_line = ready_line
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[str] | None = None
        self._drainer: threading.Thread | None = None
        #: The line a ``ready_line`` child printed (empty otherwise).
        self.ready_value = ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Launch, and with ``ready_line`` wait until the child serves."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process without waiting for it, so that several can start at once."""
        if self.running():
            raise RuntimeError(f"{self.name} is already running")
        self._drainer = None
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            command = [sys.executable, "-m", _LAUNCHER, str(os.getpid()), *self.args]
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                stdout=subprocess.PIPE if self._ready_line else log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                text=True,
                env=self._env,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        if self._ready_line:
            try:
                self.ready_value = self._read_ready_line()
            except BaseException:
                self.kill()
                raise
            # Whatever else it prints goes to the log, so a full pipe never blocks it.
            self._drainer = threading.Thread(target=self._drain, name=self.name, daemon=True)
            self._drainer.start()

    def _drain(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        with self._process.stdout as stdout, self.log_path.open("a") as log:
            for line in stdout:
                log.write(line)
                log.flush()

    def _read_ready_line(self) -> str:
        process = self._process
        assert process is not None
        assert process.stdout is not None
        deadline = time.monotonic() + self._start_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = process.stdout.readline().strip()
                    if line:
                        return line
                if process.poll() is not None:
                    break
        raise ChildFailed(self.describe_failure("did not get ready"))

    def check(self) -> None:
        """Raise :class:`ChildFailed` if the child has exited."""
        if self._process is not None and self._process.poll() is not None:
            raise ChildFailed(self.describe_failure("exited"))

    def describe_failure(self, what: str) -> str:
        code = self._process.poll() if self._process is not None else None
        tail = log_tail(self.log_path)
        return f"{self.name} {what} (exit code {code}); last lines of {self.log_path}:\n{tail}"

    def kill(self) -> None:
        """SIGKILL the whole process group at once, as a crash or an OOM kill would."""
        self._signal_group(signal.SIGKILL)
        self._reap(timeout=10.0)

    def stop(self, grace: float = _STOP_GRACE) -> None:
        """SIGTERM the group, then SIGKILL whatever is left after ``grace`` seconds."""
        if self._process is None:
            return
        self._signal_group(signal.SIGTERM)
        if not self._reap(timeout=grace):
            self._signal_group(signal.SIGKILL)
            self._reap(timeout=10.0)
        # Something in the group may have outlived the leader; it goes too.
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, signum: signal.Signals) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    def _reap(self, timeout: float) -> bool:
        process = self._process
        if process is None:
            return True
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        if self._drainer is not None:
            self._drainer.join(timeout=5)  # it closes stdout at its end
        elif process.stdout is not None:
            process.stdout.close()
        return True
