"""The ``kube-api`` subcommand stays cheap to import, as the CLI's other commands expect."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_subcommand_loads_no_server() -> None:
    probe = "import sys, instance_operator.kubeapi.command; print('aiohttp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_help_names_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "instance_operator", "kube-api", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in ("--port", "--kubeconfig", "--watch-history", "--bookmark-interval"):
        assert option in result.stdout
