"""The chaos suite: small in `make test`, full-size with `make chaos` (CHAOS=full).

Each scenario runs the real operator process in a sandbox (simulator, embedded Kubernetes API)
and adds what it measured to a report: printed at the end, and written as JSON to $CHAOS_REPORT
when set (docs/reliability.md quotes a full run).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class Scale:
    instances: int
    kills: int
    hostile_repeats: int
    quiet_window: float
    #: pytest-timeout for each scenario: at least five times its nominal duration at this size.
    test_timeout: float


SCALES = {
    "small": Scale(instances=12, kills=3, hostile_repeats=1, quiet_window=20.0, test_timeout=900),
    "full": Scale(instances=100, kills=10, hostile_repeats=4, quiet_window=60.0, test_timeout=3600),
    "ci": Scale(instances=100, kills=10, hostile_repeats=1, quiet_window=20.0, test_timeout=3600),
}
SCALE = SCALES[os.environ.get("CHAOS", "small")]
#: The seed of the random scenarios: $CHAOS_SEED (to replay a run), else a new one each run.
SEED = int(os.environ.get("CHAOS_SEED") or random.randrange(10**6))
#: The operator's log level in the scenarios (its log is kept under pytest's tmp_path).
LOG_LEVEL = os.environ.get("CHAOS_LOG_LEVEL", "info")

_report: dict[str, Any] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The scenarios' timeout follows the size (pyproject's 300 s is for the unit tests)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(SCALE.test_timeout))


@pytest.fixture(scope="session")
def report() -> Iterator[dict[str, Any]]:
    yield _report
    text = json.dumps({"scale": os.environ.get("CHAOS", "small"), **_report}, indent=2, default=str)
    print("\nchaos report:\n" + text)
    target = os.environ.get("CHAOS_REPORT")
    if target:
        Path(target).write_text(text + "\n")
