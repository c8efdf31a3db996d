"""Read the Dockerfile and replay its build outside Docker, for CI machines without a Docker engine.

The replay follows the Dockerfile instead of restating it, so the two cannot drift apart: the build
context is the repository's files filtered by ``.dockerignore`` (as Docker filters them), the build
stage's ``COPY`` and ``RUN`` steps run in a scratch directory that stands in for the image's root,
and the final stage's ``ENTRYPOINT`` runs from what its ``COPY --from`` steps take. Absolute paths
in ``ENV``, ``WORKDIR`` and ``COPY`` move under the scratch root; a ``RUN`` step must reach paths
through ``ENV`` variables, so a literal absolute path there is refused rather than silently run
against the host.

``python -m tests.chart.dockerfile SCRATCH`` is what ``scripts/check-dockerfile.sh`` runs.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@dataclass
class Stage:
    base: str
    name: str | None
    #: (instruction in upper case, its arguments), continuation lines joined.
    steps: list[tuple[str, str]] = field(default_factory=list)

    def args(self, instruction: str) -> list[str]:
        return [args for name, args in self.steps if name == instruction]


def parse(text: str) -> list[Stage]:
    stages: list[Stage] = []
    for instruction, args in _instructions(text):
        if instruction == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].steps.append((instruction, args))
        else:
            raise ValueError(f"{instruction} before the first FROM")
    return stages


def _instructions(text: str) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = pending + line
        pending = ""
        instruction, _, args = whole.partition(" ")
        result.append((instruction.upper(), " ".join(args.split())))
    if pending:
        raise ValueError("the Dockerfile ends inside a continued line")
    return result


def env_pairs(args: str) -> list[tuple[str, str]]:
    """``ENV A=1 B="two words"`` as pairs (the legacy ``ENV A 1`` form is not used here)."""
    pairs = []
    for word in shlex.split(args):
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"ENV {args!r}: write KEY=value")
        pairs.append((key, value))
    return pairs


# --- .dockerignore -------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's pattern language: Go's filepath.Match plus ``**`` for any number of directories."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out += "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]"
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


class DockerIgnore:
    """Whether a path of the build context reaches the build, by Docker's rules.

    The last pattern that matches a path or one of its parent directories decides; ``!`` patterns
    bring paths back.
    """

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            cleaned = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
            self.rules.append((negated, _pattern_regex(cleaned)))

    def included(self, path: str) -> bool:
        parts = PurePosixPath(path).parts
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for negated, regex in self.rules:
            if any(regex.match(candidate) for candidate in candidates):
                excluded = not negated
        return not excluded


def context_files(root: Path = ROOT) -> list[str]:
    """The files a clean clone sends to ``docker build``: tracked or new, never git-ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    ignore = DockerIgnore((root / ".dockerignore").read_text())
    return sorted(
        path
        for path in listed.split("\0")
        if path and (root / path).is_file() and ignore.included(path)
    )


# --- the replay ----------------------------------------------------------------------------------


_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class Replay:
    """A stand-in for the image's file system under ``scratch``, and the steps that fill it."""

    def __init__(self, scratch: Path, python: str, root: Path = ROOT) -> None:
        self.scratch = scratch
        self.root = root
        self.context = context_files(root)
        base = scratch / "base-python"
        # The image's /usr/local: a Python of the base image's version, with pip, first on PATH.
        subprocess.run([python, "-m", "venv", str(base)], check=True)
        self.host_path = f"{base / 'bin'}{os.pathsep}{os.environ['PATH']}"

    def inside(self, path: str, workdir: str = "/") -> Path:
        absolute = PurePosixPath(workdir, path)
        return self.scratch / "image" / str(absolute).lstrip("/")

    def map_value(self, value: str, env: dict[str, str]) -> str:
        """An ENV value in the replay: written-out absolute paths (also each part of a PATH-like
        list) move under scratch; ``$VAR`` and ``${VAR}`` take the stage's values, already moved."""
        parts = []
        for part in value.split(os.pathsep):
            if part.startswith("/"):
                parts.append(str(self.inside(part)))
            else:
                parts.append(_VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), part))
        return os.pathsep.join(parts)

    def run_stage(self, stage: Stage, env: dict[str, str]) -> dict[str, str]:
        workdir = "/"
        for instruction, args in stage.steps:
            if instruction == "ENV":
                before = dict(env)  # Docker substitutes the values from before the instruction
                for key, value in env_pairs(args):
                    env[key] = self.map_value(value, before)
            elif instruction == "WORKDIR":
                workdir = str(PurePosixPath(workdir, args))
                self.inside(workdir).mkdir(parents=True, exist_ok=True)
            elif instruction == "COPY":
                self.copy(args, workdir)
            elif instruction == "RUN":
                self.run(args, workdir, env)
        return env

    def copy(self, args: str, workdir: str) -> None:
        words = args.split()
        if words[0].startswith("--from="):
            *sources, dest = words[1:]
            for source in sources:
                src = self.inside(source)
                if not src.exists():
                    raise SystemExit(f"COPY {args}: the build stage made no {source}")
            return  # both stages share the scratch root: the files are already where they go
        *sources, dest = words
        target = self.inside(dest, workdir)
        for source in sources:
            prefix = source.rstrip("/")
            chosen = [p for p in self.context if p == prefix or p.startswith(prefix + "/")]
            if not chosen:
                raise SystemExit(f"COPY {args}: {source} is not in the build context")
            for path in chosen:
                relative = path[len(prefix) + 1 :] if path != prefix else Path(path).name
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(self.root / path, destination)

    def run(self, command: str, workdir: str, env: dict[str, str]) -> None:
        for word in literal_paths(command):
            raise SystemExit(f"RUN {command}: reach {word} through an ENV variable")
        print(f"+ RUN {command}", flush=True)
        subprocess.run(["/bin/sh", "-c", command], cwd=self.inside(workdir), env=env, check=True)


def literal_paths(command: str) -> list[str]:
    """Absolute paths written out in a shell command (``/x`` or ``--opt=/x``), not via variables."""
    return [
        w for w in shlex.split(command) if w.startswith("/") or w.partition("=")[2].startswith("/")
    ]


def base_python(image: str) -> str:
    """A host interpreter of the base image's Python version (``python:3.12-slim`` -> 3.12)."""
    match = re.match(r"python:(\d+\.\d+)", image)
    if not match:
        raise SystemExit(f"FROM {image}: not an official python image")
    version = match.group(1)
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [
        f"python{version}",
        *sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}")),
    ]
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            probe = subprocess.run([found, "-c", "pass"], capture_output=True, check=False)
            if probe.returncode == 0:
                return found
    print(f"note: no Python {version} on this machine; replaying with {sys.executable}")
    return sys.executable


def replay(scratch: Path, python: str | None = None, root: Path = ROOT) -> None:
    stages = parse((root / "Dockerfile").read_text())
    build, final = stages[0], stages[-1]
    player = Replay(scratch, python or base_python(build.base), root)
    clean = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONHOME"}}
    player.run_stage(build, {**clean, "PATH": player.host_path})
    env = player.run_stage(final, {**clean, "PATH": player.host_path})
    (entrypoint,) = final.args("ENTRYPOINT")
    command, *rest = _exec_form(entrypoint)
    program = shutil.which(command, path=env["PATH"])
    if program is None or not program.startswith(str(scratch)):
        raise SystemExit(f"ENTRYPOINT {entrypoint}: {command} is not in what the image copies")
    for argv in ([program, *rest, "--help"], [program, "--help"]):
        print(f"+ {shlex.join(argv)}", flush=True)
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"the image's entry point runs: {program} {shlex.join(rest)}")


def _exec_form(args: str) -> list[str]:
    argv = json.loads(args)
    if not (isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)):
        raise SystemExit(f"ENTRYPOINT {args}: use the exec (JSON) form")
    return argv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scratch", type=Path, help="an empty directory for the replay")
    parser.add_argument("--python", help="the interpreter standing in for the base image's")
    args = parser.parse_args()
    try:
        replay(args.scratch.resolve(), args.python)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"the replayed build failed (exit {exc.returncode}): {exc.cmd}") from None


if __name__ == "__main__":
    main()
