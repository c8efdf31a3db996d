"""kubectl against the emulated API: the pinned kubectl in .tools/bin, never skipped.

``make test`` installs it (``scripts/ci-tools.sh``); without it every test here fails, saying how
to get it, so a CI runner without kubectl cannot pass by skipping.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from instance_operator.kubeapi import KubeAPI
from tests.kubeapi.conftest import GROUP, PLURAL, WIDGET_CRD, widget

KUBECTL = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "kubectl"


def kubectl(
    tmp_path: Path, kubeconfig: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    assert KUBECTL.is_file(), (
        f"{KUBECTL} is missing: run `bash scripts/ci-tools.sh` (`make test` does) to install the "
        "pinned kubectl"
    )
    command = [
        str(KUBECTL),
        "--kubeconfig",
        str(kubeconfig),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--request-timeout",
        "10s",
        *args,
    ]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_apply_get_patch_delete(api: KubeAPI, kubeconfig: Path, tmp_path: Path) -> None:
    applied = kubectl(tmp_path, kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(WIDGET_CRD))
    assert applied.returncode == 0, applied.stderr
    waited = kubectl(
        tmp_path, kubeconfig, "wait", "--for", "condition=established", f"crd/{PLURAL}.{GROUP}"
    )
    assert waited.returncode == 0, waited.stderr

    sloppy = widget("w", 2)
    sloppy["spec"]["unknown"] = True
    rejected = kubectl(tmp_path, kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(sloppy))
    assert rejected.returncode != 0
    assert 'unknown field "spec.unknown"' in rejected.stderr  # kubectl asks for strict validation

    invalid = kubectl(
        tmp_path, kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(widget("w", 0))
    )
    assert invalid.returncode != 0
    assert "spec.size" in invalid.stderr

    created = kubectl(
        tmp_path, kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(widget("w", 2))
    )
    assert created.returncode == 0, created.stderr
    again = kubectl(tmp_path, kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(widget("w", 2)))
    assert "unchanged" in again.stdout

    patched = kubectl(
        tmp_path, kubeconfig, "patch", "wd", "w", "--type", "merge", "-p", '{"spec":{"size":3}}'
    )
    assert patched.returncode == 0, patched.stderr
    shown = json.loads(kubectl(tmp_path, kubeconfig, "get", "widgets", "-o", "json").stdout)
    assert [(item["metadata"]["name"], item["spec"]["size"]) for item in shown["items"]] == [
        ("w", 3)
    ]
    table = kubectl(tmp_path, kubeconfig, "get", "wd").stdout.splitlines()
    assert table[0].split() == ["NAME", "SIZE", "READY", "AGE"]
    assert table[1].split()[:2] == ["w", "3"]

    deleted = kubectl(tmp_path, kubeconfig, "delete", "widget", "w")
    assert deleted.returncode == 0, deleted.stderr
    assert api.objects(PLURAL) == []
