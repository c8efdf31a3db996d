"""The development kit's commands in an installed package, which leaves their packages out.

The wheel (and so the image) has no simulator, embedded Kubernetes API, sandbox or demo. There
``instance-operator demo`` must say in one line where to run it and exit 2, not print a traceback.
Their absence is reproduced by making their packages unimportable, as they are in the wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ABSENT = """
import sys
for name in ("instance_operator.demo", "instance_operator.simulator", "instance_operator.kubeapi",
             "instance_operator.sandbox"):
    sys.modules[name] = None  # what an installed package without the development kit gives
from instance_operator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def cli_without_devkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ABSENT, *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("command", "target"),
    [("demo", "make demo"), ("simulator", "make test"), ("kube-api", "make test")],
)
def test_a_devkit_command_says_where_to_run_it(command: str, target: str) -> None:
    done = cli_without_devkit(command, "--port", "0")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"instance-operator {command}:" in lines[0]
    assert f"`{target}`" in lines[0]


def test_the_runtime_commands_work_without_the_devkit() -> None:
    done = cli_without_devkit("crd")
    assert done.returncode == 0, done.stderr
    assert "kind: CustomResourceDefinition" in done.stdout
    assert cli_without_devkit("run", "--help").returncode == 0


def test_the_wheel_leaves_the_devkit_out(tmp_path: Path) -> None:
    """Built from what the Dockerfile's build context holds (its .dockerignore allow-list)."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "operator",
        source / "operator",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("instance_operator-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {
        n.split("/")[1] for n in names if n.startswith("instance_operator/") and n.count("/") > 1
    }
    assert packages >= {"api", "controller", "openstack"}
    assert not packages & {"simulator", "kubeapi", "sandbox", "demo", "devkit"}
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [
        line.split(":", 1)[1].strip()
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    for devkit_only in ("jsonschema", "cel-python", "pytest", "aiohttp"):
        assert not [r for r in requires if r.lower().startswith(devkit_only)], requires
