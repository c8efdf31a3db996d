"""The docs stay true: their manifests are valid, their health check works, their tables are
complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from lupa import LuaRuntime  # type: ignore[import-untyped]

from instance_operator.controller.status.reasons import Reason
from instance_operator.controller.telemetry.metrics import Metrics
from instance_operator.controller.workqueue import QueueStats
from tests.support.admitted import refusals
from tests.support.manifests import Instance

ROOT = Path(__file__).resolve().parents[2]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), flags=re.DOTALL)


def instance_manifests() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in DOCS:
        for block in blocks(path, "yaml"):
            for doc in yaml.safe_load_all(block):
                if isinstance(doc, dict) and doc.get("kind") == "Instance":
                    found.append((path.name, doc))
    return found


def test_the_docs_show_instances() -> None:
    assert instance_manifests()


@pytest.mark.parametrize(
    ("page", "manifest"), instance_manifests(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_instances_in_the_docs_are_valid(page: str, manifest: dict[str, Any]) -> None:
    assert refusals(manifest) == []
    Instance.model_validate(manifest)


def test_every_yaml_block_parses() -> None:
    for path in DOCS:
        for block in blocks(path, "yaml"):
            list(yaml.safe_load_all(block))


# --- the Argo CD health check -------------------------------------------------------------------

#: The shipped file is what is tested; the copy shown in docs/gitops.md must be the same.
HEALTH_LUA = (ROOT / "docs" / "argocd-health.lua").read_text()


def test_the_documented_health_check_is_the_shipped_file() -> None:
    (shown,) = blocks(ROOT / "docs" / "gitops.md", "lua")
    code = [line for line in HEALTH_LUA.splitlines() if not line.startswith("--")]
    assert shown.splitlines() == code


def health(obj: dict[str, Any]) -> tuple[str, str]:
    """Run the shipped check as Argo CD does: ``obj`` is the resource as a Lua table."""
    lua = LuaRuntime(unpack_returned_tuples=True)
    check = lua.eval(f"function(obj)\n{HEALTH_LUA}\nend")
    result = check(lua.table_from(obj, recursive=True))
    return result["status"], result["message"]


def instance(generation: int = 1, power: str = "Manual", **status: Any) -> dict[str, Any]:
    return {"metadata": {"generation": generation}, "spec": {"powerState": power}, "status": status}


def condition(kind: str, value: str, reason: str, message: str = "m") -> dict[str, str]:
    return {"type": kind, "status": value, "reason": reason, "message": message}


def test_health_check_ready_is_healthy() -> None:
    obj = instance(
        observedGeneration=1, phase="Active", conditions=[condition("Ready", "True", "Ready")]
    )
    assert health(obj)[0] == "Healthy"


def test_health_check_degraded_carries_the_reason() -> None:
    obj = instance(
        observedGeneration=1,
        phase="Pending",
        conditions=[
            condition("Ready", "False", "FlavorNotFound"),
            condition("Degraded", "True", "FlavorNotFound", "no flavor"),
        ],
    )
    assert health(obj) == ("Degraded", "FlavorNotFound: no flavor")


def test_health_check_waits_for_the_operator() -> None:
    assert health({"metadata": {"generation": 1}, "spec": {}})[0] == "Progressing"
    stale = instance(
        generation=2, observedGeneration=1, conditions=[condition("Ready", "True", "Ready")]
    )
    assert health(stale)[0] == "Progressing"
    building = instance(
        observedGeneration=1, phase="Building", conditions=[condition("Ready", "False", "Building")]
    )
    assert health(building) == ("Progressing", "Building: m")


def test_health_check_stopped_servers() -> None:
    stopped = [condition("Ready", "False", "Stopped")]
    assert (
        health(instance(observedGeneration=1, phase="Stopped", conditions=stopped))[0]
        == "Suspended"
    )
    wanted = instance(power="Stopped", observedGeneration=1, phase="Stopped", conditions=stopped)
    assert health(wanted)[0] == "Healthy"


# --- tables that must be complete --------------------------------------------------------------


def test_every_metric_is_documented() -> None:
    page = (ROOT / "docs" / "metrics.md").read_text()
    metrics = Metrics()
    metrics.watch_state(lambda: [], lambda: [], lambda: QueueStats(0, 0.0))
    for family in metrics.registry.collect():
        suffix = {"counter": "_total", "info": "_info"}.get(family.type, "")
        name = family.name + suffix
        if name.startswith(("process_", "python_gc_")):  # prometheus-client's standard families
            name = name.split("_")[0] + ("_*" if name.startswith("process_") else "_gc_*")
        assert f"`{name}`" in page, name


def test_every_reason_is_documented() -> None:
    page = (ROOT / "docs" / "troubleshooting.md").read_text()
    missing = [r.value for r in Reason if f"`{r.value}`" not in page]
    assert missing == []


def test_docs_link_to_existing_pages() -> None:
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#]+\.md)\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"
