"""A deletion the cloud blocks still shows as one, and a release that could not clean up names the
server it left behind; kopf's retries of it are warnings, not errors."""

from __future__ import annotations

import logging
import subprocess
import sys

from instance_operator.controller.runtime import Controller
from instance_operator.controller.telemetry.log_setup import RetryIsAWarning
from instance_operator.simulator import Simulator
from tests.controller.test_lifecycle import web
from tests.support.cluster import CLOUD, SECRET, Cluster, wait_for


def test_blocked_deletion_shows_deleting_then_orphan_names_the_server(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    status = cluster.wait_ready("web-1")
    good = sim.clouds_yaml(cloud_name=CLOUD)
    cluster.put_secret(
        SECRET, {"clouds.yaml": good.replace("password: admin", "password: wrong-password")}
    )
    cluster.wait_condition("web-1", "Degraded", "AuthenticationFailed")
    cluster.delete("web-1")
    stuck = cluster.wait_phase("web-1", "Deleting")
    ready = next(c for c in stuck["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "AuthenticationFailed")
    assert "Cannot delete the server yet" in ready["message"]
    assert "spec.deletionPolicy to Orphan" in ready["message"]
    cluster.patch_spec("web-1", {"deletionPolicy": "Orphan"})
    wait_for("the Instance released", lambda: cluster.get("web-1") is None, timeout=60)
    server = f"server {status['serverName']} ({status['serverID']})"
    orphaned = [m for kind, reason, m in cluster.events("web-1") if reason == "Orphaned"]
    assert orphaned, cluster.events("web-1")
    assert f"Released without cleaning up {server}" in orphaned[-1]
    assert "retr" not in orphaned[-1]  # the Instance is gone: nothing will retry
    assert sim.servers.get(status["serverID"]) is not None


def test_kopfs_finalizer_retries_are_warnings() -> None:
    def record(message: str, level: int = logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord("kopf.objects", level, __file__, 1, message, (), None)

    retry = record(
        "Handler 'finalize' failed temporarily: AuthenticationFailed: Cannot delete the server yet"
    )
    assert RetryIsAWarning().filter(retry)
    assert (retry.levelno, retry.levelname) == (logging.WARNING, "WARNING")
    other = record("Handler 'finalize' failed with an exception. Will retry.")
    assert RetryIsAWarning().filter(other)
    assert other.levelno == logging.ERROR


def test_run_s_logging_turns_kopf_s_finalizer_retries_into_warnings() -> None:
    """What ``run`` sets up, in a process of its own (it configures the root logger)."""
    script = (
        "import logging\n"
        "from instance_operator.controller.telemetry.log_setup import configure\n"
        "configure('info', 'text')\n"
        "logging.getLogger('kopf.objects').error("
        "\"Handler 'finalize' failed temporarily: SecretNotFound: gone\")\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    (line,) = [x for x in done.stderr.splitlines() if "failed temporarily" in x]
    assert "[WARNING" in line, line
