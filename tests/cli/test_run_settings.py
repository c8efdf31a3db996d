"""``instance-operator run``'s settings: flags, ``INSTANCE_OPERATOR_*`` variables, defaults shown in
``--help``, refused values as a one-line usage error; and ``--version``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from instance_operator import __version__
from instance_operator.cli import build_parser
from instance_operator.controller.config import OperatorConfig, from_arguments


def _config(*argv: str) -> OperatorConfig:
    return from_arguments(build_parser().parse_args(["run", *argv]))


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "instance_operator.cli", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=120,
    )


def test_every_flag_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANCE_OPERATOR_WORKERS", "3")
    monkeypatch.setenv("INSTANCE_OPERATOR_POLL_INTERVAL", "45.5")
    monkeypatch.setenv("INSTANCE_OPERATOR_STANDALONE", "true")
    monkeypatch.setenv("INSTANCE_OPERATOR_LOG_FORMAT", "json")
    monkeypatch.setenv("INSTANCE_OPERATOR_NAMESPACES", "team-a, team-b")
    # What Kubernetes injects for a Service named instance-operator: not settings, not errors.
    monkeypatch.setenv("INSTANCE_OPERATOR_PORT", "tcp://10.0.0.7:9090")
    monkeypatch.setenv("INSTANCE_OPERATOR_SERVICE_HOST", "10.0.0.7")
    config = _config()
    assert (config.workers, config.poll_interval, config.standalone) == (3, 45.5, True)
    assert config.log_format == "json"
    assert config.namespaces == ("team-a", "team-b")
    flags = _config("--workers", "5", "--namespace", "ops", "--log-format", "text")
    assert (flags.workers, flags.namespaces, flags.log_format) == (5, ("ops",), "text")
    assert _config("-A").namespaces == ()
    assert _config().fast_poll_interval == OperatorConfig.model_fields["fast_poll_interval"].default
    # A service link of a Service named instance-operator-metrics: the flag wins.
    monkeypatch.setenv("INSTANCE_OPERATOR_METRICS_PORT", "tcp://10.0.0.7:9090")
    assert _config("--metrics-port", "9191").metrics_port == 9191


def test_help_shows_each_default_and_variable() -> None:
    text = _cli("run", "--help", env={"COLUMNS": "1000"}).stdout  # no wrapping at hyphens
    for name, field in OperatorConfig.model_fields.items():
        if name == "namespaces":
            continue
        assert f"(default: {field.default}; env INSTANCE_OPERATOR_{name.upper()})" in text, name


@pytest.mark.parametrize(
    ("argv", "env", "line"),
    [
        (["--workers", "0"], {}, "--workers: input should be greater than or equal to 1"),
        (["--poll-interval", "-5"], {}, "--poll-interval: input should be greater than 0"),
        ([], {"INSTANCE_OPERATOR_WORKERS": "0"}, "INSTANCE_OPERATOR_WORKERS: input should be"),
        ([], {"INSTANCE_OPERATOR_STANDALONE": "perhaps"}, "INSTANCE_OPERATOR_STANDALONE: input"),
        (
            ["--transient-retry-min", "100", "--transient-retry-max", "10"],
            {},
            "--transient-retry-min (100 s) is more than --transient-retry-max (10 s)",
        ),
    ],
)
def test_refused_values_are_a_usage_error(argv: list[str], env: dict[str, str], line: str) -> None:
    done = _cli("run", *argv, env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("usage: instance-operator run")
    assert lines[-1].startswith(f"instance-operator run: error: {line}")


def test_no_cluster_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = _cli("run", env={"KUBECONFIG": str(tmp_path / "missing.yaml"), "HOME": str(tmp_path)})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("instance-operator run:")]
    assert "no cluster to run against" in line
    assert "KUBECONFIG" in line


def test_version() -> None:
    done = _cli("--version")
    assert done.returncode == 0
    assert done.stdout == f"instance-operator {__version__}\n"
