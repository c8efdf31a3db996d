"""The captured OpenStack bodies (``shared/openstack-samples`` beside the repository)."""

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

needs_samples = pytest.mark.skipif(not ROOT.is_dir(), reason=f"no OpenStack samples at {ROOT}")


def load(relative: str) -> Any:
    return json.loads((ROOT / relative).read_text())
