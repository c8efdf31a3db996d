"""The operator run from its container image, as a cluster runs it, against this machine's stand-ins.

The image is the one ``make image`` builds from the Dockerfile (``scripts/build-image.sh``, which
this test runs; a second run reuses the layers). The container runs as the Helm chart runs it:
non-root (uid 65532), read-only root file system with a tmpfs on /tmp, the chart's arguments. It
reaches the simulator and the embedded Kubernetes API on the host's loopback (``--network host``).
An Instance is created, rebooted and deleted, and the metrics endpoint scraped.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from instance_operator.sandbox import Box, OperatorFlags, Sandbox, example_cloud
from tests.e2e.support import connect_as_user, nova_actions, web
from tests.support.timings import FAST_CLOUD

ROOT = Path(__file__).resolve().parents[2]
#: What the host needs to run an OCI image without a Docker engine here (see build-image.sh).
PODMAN = ["podman", "run", "--runtime", "runc", "--network", "host"]
LIMITS = ["--ulimit", "nofile=16384:16384", "--ulimit", "nproc=8192:8192"]


def _run(argv: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """A command whose exit code the caller judges."""
    return subprocess.run(argv, check=False, capture_output=True, text=True, **options)


def engine() -> list[str] | None:
    if shutil.which("docker") and _run(["docker", "info"]).returncode == 0:
        return ["docker", "run", "--network", "host"]
    if shutil.which("podman") or shutil.which("apt-get"):
        return [*PODMAN, *LIMITS]
    return None


@pytest.fixture(scope="module")
def image() -> dict[str, Any]:
    run = engine()
    if run is None:
        pytest.skip("neither docker nor podman is here, and apt-get cannot install podman")
    built = _run(["bash", "scripts/build-image.sh"], cwd=ROOT, timeout=1200)
    assert built.returncode == 0, f"make image failed:\n{built.stderr[-4000:]}"
    found: dict[str, Any] = json.loads(built.stdout.strip().splitlines()[-1])
    found["run"] = engine()
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    sandbox = Sandbox(
        simulator=example_cloud(FAST_CLOUD),
        start_operator=False,
        workdir=tmp_path_factory.mktemp("image"),
    )
    with sandbox.running() as running:
        yield running


class Container:
    def __init__(self, run: list[str], image: str, kubeconfig: str, args: list[str]) -> None:
        self.name = f"instance-operator-e2e-{uuid.uuid4().hex[:8]}"
        self.cli = run[0]
        self.argv = [
            *run,
            "--detach",
            "--name",
            self.name,
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--user",
            "65532:65532",
            "--volume",
            f"{kubeconfig}:/etc/instance-operator/kubeconfig:ro",
            "--env",
            "KUBECONFIG=/etc/instance-operator/kubeconfig",
            image,
            *args,
        ]

    def start(self) -> None:
        started = _run(self.argv, timeout=120)
        assert started.returncode == 0, started.stderr

    def logs(self) -> str:
        found = _run([self.cli, "logs", self.name], timeout=60)
        return found.stdout + found.stderr

    def stop(self) -> int:
        """SIGTERM, as the kubelet sends it; the exit code."""
        _run([self.cli, "stop", "--time", "30", self.name], timeout=90)
        waited = _run([self.cli, "wait", self.name], timeout=90)
        return int(waited.stdout.strip().splitlines()[-1])

    def remove(self) -> None:
        _run([self.cli, "rm", "--force", self.name], timeout=90)


def chart_args(metrics_port: int) -> list[str]:
    """The Deployment's arguments with the chart's defaults, but for fast cadences and ports."""
    flags = OperatorFlags(metrics_port=metrics_port, log_format="json")
    args = flags.argv()[1:]  # the image's ENTRYPOINT is `instance-operator run`
    return ["--all-namespaces", *args, "--liveness", f"http://127.0.0.1:{free_port()}/healthz"]


def test_the_image_runs_the_operator_end_to_end(image: dict[str, Any], box: Box) -> None:
    port = free_port()
    container = Container(image["run"], image["image"], box.kubeconfig, chart_args(port))
    container.start()
    try:
        box.cluster.create(web())
        server_id = box.cluster.wait_ready("web-1", timeout=120)["serverID"]
        box.cluster.annotate("web-1", "reboot", "from-the-image")
        box.cluster.wait_action("web-1", "reboot", "from-the-image", timeout=60)
        cloud = connect_as_user(box)
        try:
            assert nova_actions(cloud, server_id) == ["create", "reboot"]
        finally:
            cloud.close()
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert 'instance_operator_actions_total{action="reboot",result="Succeeded"} 1.0' in metrics
        box.cluster.delete("web-1")
        box.cluster.wait_gone("web-1", timeout=60)
        assert box.sim is not None
        assert box.sim.servers.count() == 0
        assert container.stop() == 0, container.logs()[-4000:]
        assert "Traceback" not in container.logs()
    except BaseException:
        print(container.logs()[-8000:])
        raise
    finally:
        container.remove()


def test_the_image_is_the_runtime_only_non_root_with_its_sbom(image: dict[str, Any]) -> None:
    run, ref = image["run"], image["image"]
    helped = _run([*run, "--rm", "--read-only", ref, "--help"], timeout=120)
    assert helped.returncode == 0, helped.stderr
    assert "usage: instance-operator run" in helped.stdout
    who = _run(
        [*run, "--rm", "--read-only", "--entrypoint", "id", ref],
        timeout=120,
    )
    assert who.stdout.split()[0] == "uid=65532(65532)"
    labels = _run(
        [run[0], "image", "inspect", "--format", "{{json .Labels}}", ref],
        timeout=60,
    )
    absent = _run(
        [
            *run,
            "--rm",
            "--read-only",
            "--entrypoint",
            "python",
            ref,
            "-c",
            "import importlib.util as u; print(' '.join(m for m in ("
            "'instance_operator.simulator', 'instance_operator.kubeapi',"
            " 'instance_operator.sandbox', 'instance_operator.demo', 'instance_operator.devkit',"
            " 'pytest', 'jsonschema',"
            " 'celpy') if u.find_spec(m)))",
        ],
        timeout=120,
    )
    assert absent.returncode == 0, absent.stderr
    assert absent.stdout.strip() == "", f"the runtime image holds {absent.stdout}"
    demo = _run([*run, "--rm", "--read-only", "--entrypoint", "instance-operator", ref, "demo"])
    assert demo.returncode == 2
    assert "make demo" in demo.stderr
    assert "Traceback" not in demo.stderr
    sbom = Path(image["sbom"])
    assert json.loads(labels.stdout)["io.instance-operator.sbom"] == sbom.name
    document = json.loads((ROOT / sbom).read_text())
    assert document["bomFormat"] == "CycloneDX"
    names = {component["name"].lower() for component in document["components"]}
    assert {"instance-operator", "kopf", "kubernetes", "pydantic"} <= names
