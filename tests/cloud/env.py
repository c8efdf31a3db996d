"""Whether a real cloud is configured for these tests, and the mark that skips them otherwise."""

from __future__ import annotations

import os

import pytest

CLOUDS_YAML = os.environ.get("IOP_TEST_CLOUDS_YAML")

#: Every module here starts with ``pytestmark = needs_cloud``.
needs_cloud = [
    pytest.mark.cloud,
    pytest.mark.skipif(
        not CLOUDS_YAML,
        reason="needs a real cloud: set IOP_TEST_CLOUDS_YAML to a clouds.yaml (make test-cloud)",
    ),
]
