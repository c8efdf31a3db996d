"""The chart as the tests see it: helm, kubectl and hadolint from .tools/bin, and rendered manifests.

The tools come from ``scripts/ci-tools.sh``. Without them a test skips, saying so, unless
``IOP_REQUIRE_CHART_TOOLS=1`` is set (``scripts/check-chart.sh`` sets it): then it fails, so CI
cannot pass by skipping.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from instance_operator.controller.config import OperatorConfig, add_arguments, from_arguments

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "instance-operator"
CI_VALUES = {
    path.name.removesuffix("-values.yaml"): path for path in CHART.glob("ci/*-values.yaml")
}
TOOLS = ROOT / ".tools" / "bin"
RELEASE = "io"
NAMESPACE = "instance-operator-system"
#: The Kubernetes version whose JSON schemas the manifests are validated against.
KUBERNETES = "1.35"


def tool(name: str) -> Path:
    path = TOOLS / name
    if os.access(path, os.X_OK):
        return path
    reason = f"{name} is not installed in .tools/bin (run scripts/ci-tools.sh)"
    if os.environ.get("IOP_REQUIRE_CHART_TOOLS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    """Run helm with its own empty config and cache, so nothing of the user's leaks in."""
    home = Path(tempfile.gettempdir()) / "iop-chart-tests-helm"
    env = {
        **os.environ,
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }
    return subprocess.run(
        [str(tool("helm")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class Manifests:
    docs: tuple[dict[str, Any], ...]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [doc for doc in self.docs if doc["kind"] == kind]

    def one(self, kind: str) -> dict[str, Any]:
        (doc,) = self.of(kind)
        return doc

    def kinds(self) -> set[str]:
        return {doc["kind"] for doc in self.docs}

    @property
    def deployment(self) -> dict[str, Any]:
        return self.one("Deployment")

    @property
    def container(self) -> dict[str, Any]:
        (container,) = self.deployment["spec"]["template"]["spec"]["containers"]
        return container  # type: ignore[no-any-return]

    def config(self) -> OperatorConfig:
        """The operator's settings, as ``instance-operator run`` parses the container's args."""
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        args, unknown = parser.parse_known_args(self.container["args"])
        assert not unknown, f"instance-operator run does not take {unknown}"
        return from_arguments(args)


def template(
    *values: Path | str, include_crds: bool = False, extra: Iterable[str] = ()
) -> subprocess.CompletedProcess[str]:
    args = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    for path in values:
        args += ["--values", str(CI_VALUES[path] if isinstance(path, str) else path)]
    if include_crds:
        args.append("--include-crds")
    return helm(*args, *extra)


@functools.cache
def _render(
    values: tuple[Path | str, ...], include_crds: bool, extra: tuple[str, ...]
) -> Manifests:
    result = template(*values, include_crds=include_crds, extra=extra)
    assert result.returncode == 0, result.stderr
    return Manifests(tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc))


def render(*values: Path | str, include_crds: bool = False, extra: Iterable[str] = ()) -> Manifests:
    """The chart rendered with these values files (names of ci/ files, or paths)."""
    return _render(tuple(values), include_crds, tuple(extra))
