"""The Dockerfile: hadolint-clean, two stages, a non-root numeric user, what goes in the context.

The real install steps run in ``scripts/check-dockerfile.sh`` (they need the package index); these
tests read the Dockerfile and .dockerignore the way the replay in ``dockerfile.py`` does.
"""

from __future__ import annotations

import json
import subprocess
import tomllib

import pytest

from tests.chart import dockerfile
from tests.chart.helm import ROOT, tool

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
STAGES = dockerfile.parse(dockerfile.DOCKERFILE.read_text())
BUILD, FINAL = STAGES[0], STAGES[-1]


def env(stage: dockerfile.Stage) -> dict[str, str]:
    return {k: v for args in stage.args("ENV") for k, v in dockerfile.env_pairs(args)}


def labels(stage: dockerfile.Stage) -> dict[str, str]:
    return {k: v for args in stage.args("LABEL") for k, v in dockerfile.env_pairs(args)}


def test_hadolint_clean() -> None:
    result = subprocess.run(
        [str(tool("hadolint")), "--no-color", str(dockerfile.DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_stages_on_one_slim_python() -> None:
    """The virtualenv links to the base's interpreter: both stages need the same base."""
    assert len(STAGES) == 2
    assert BUILD.name is not None
    assert BUILD.base == FINAL.base
    assert FINAL.base.startswith("python:3.")
    assert FINAL.base.endswith("-slim")


def test_the_final_stage_only_copies_the_virtualenv() -> None:
    """No RUN, no source: nothing is built or installed in the final stage (no compilers, caches)."""
    assert FINAL.args("RUN") == []
    venv = env(BUILD)["VIRTUAL_ENV"]
    assert FINAL.args("COPY") == [f"--from={BUILD.name} {venv} {venv}"]
    assert env(FINAL)["VIRTUAL_ENV"] == venv
    assert env(FINAL)["PATH"].startswith(f"{venv}/bin:")


def test_no_pip_cache_and_no_bytecode_at_run_time() -> None:
    for command in BUILD.args("RUN"):
        for part in command.split("&&"):
            if " install " in f" {part} " or " wheel " in f" {part} ":
                assert "--no-cache-dir" in part, part
    assert env(FINAL)["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env(FINAL)["HOME"] == "/tmp"


def test_runs_the_operator_as_a_numeric_non_root_user() -> None:
    (user,) = FINAL.args("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit()
    assert int(uid) > 0
    assert gid.isdigit()
    assert int(gid) > 0
    (entrypoint,) = FINAL.args("ENTRYPOINT")
    argv = json.loads(entrypoint)
    assert argv == ["instance-operator", "run"]
    assert argv[0] in PYPROJECT["scripts"]


def test_oci_labels() -> None:
    found = labels(FINAL)
    assert found["org.opencontainers.image.title"] == PYPROJECT["name"]
    assert found["org.opencontainers.image.version"] == PYPROJECT["version"]
    assert found["org.opencontainers.image.licenses"] == PYPROJECT["license"]
    assert found["org.opencontainers.image.source"] == PYPROJECT["urls"]["Homepage"]
    assert found["org.opencontainers.image.description"]


def test_run_steps_reach_paths_through_env() -> None:
    """What lets the replay move the build under a scratch directory."""
    for command in BUILD.args("RUN"):
        assert dockerfile.literal_paths(command) == []
    assert dockerfile.literal_paths('pip install "$X"/a.whl --target=/opt/x /usr/bin') == [
        "--target=/opt/x",
        "/usr/bin",
    ]


def test_the_context_holds_what_the_build_reads_and_no_more() -> None:
    context = set(dockerfile.context_files())
    package = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "operator" / "instance_operator").rglob("*")
        if p.is_file() and p.suffix in {".py", ".yaml", ".typed"}
    }
    assert package <= context
    assert {"pyproject.toml", "README.md"} <= context
    assert {path.split("/")[0] for path in context} == {"pyproject.toml", "README.md", "operator"}
    assert not [p for p in context if "__pycache__" in p or p.endswith(".pyc")]


@pytest.mark.parametrize(
    ("patterns", "path", "included"),
    [
        ("*\n!operator/\n", "operator/a/b.py", True),
        ("*\n!operator/\n", "tests/a.py", False),
        ("*\n!operator/\n**/__pycache__\n", "operator/a/__pycache__/b.pyc", False),
        ("docs\n", "docs/a/b.md", False),
        ("*.md\n!README.md\n", "README.md", True),
        ("*.md\n!README.md\n", "CHANGES.md", False),
        ("*.md\n", "docs/a.md", True),
        ("**/*.md\n", "docs/a.md", False),
        ("a?c\n", "abc", False),
        ("[a-c]x\n", "dx", True),
    ],
)
def test_dockerignore_rules(patterns: str, path: str, included: bool) -> None:
    assert dockerfile.DockerIgnore(patterns).included(path) is included


def test_parse_joins_continued_lines() -> None:
    stages = dockerfile.parse(
        '# c\nFROM a AS b\nRUN x \\\n    && y\nFROM c\nENV A=1 B="two words"\n'
    )
    assert [(s.base, s.name) for s in stages] == [("a", "b"), ("c", None)]
    assert stages[0].steps == [("RUN", "x && y")]
    assert dockerfile.env_pairs(stages[1].args("ENV")[0]) == [("A", "1"), ("B", "two words")]
