"""Where the real OpenStack bodies live (``shared/openstack-samples`` beside the repository)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(
    os.environ.get(
        "IOP_OPENSTACK_SAMPLES",
        Path(__file__).resolve().parents[2].parent / "shared" / "openstack-samples",
    )
)

needs_samples = pytest.mark.skipif(
    not ROOT.is_dir(),
    reason=f"no OpenStack samples at {ROOT} (set IOP_OPENSTACK_SAMPLES)",
)


def files(pattern: str) -> list[str]:
    """Sample paths relative to ROOT, for parametrize ids."""
    if not ROOT.is_dir():
        return []
    return sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(pattern))


def load(relative: str) -> Any:
    return json.loads((ROOT / relative).read_text())
