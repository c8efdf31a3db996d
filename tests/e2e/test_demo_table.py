"""The demo's table: what a row shows, and redrawing in place on a terminal (no processes here)."""

from __future__ import annotations

import io
from typing import Any

from instance_operator.demo.table import Screen, render, row_of


def instance(**status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web-1", "generation": 1}, "status": status}


def test_a_row_shows_phase_power_first_ip_and_the_latest_action() -> None:
    row = row_of(
        "web-1",
        instance(
            phase="Active",
            powerState="Running",
            addresses=[{"ip": "10.0.0.7"}, {"ip": "fd00::7"}],
            conditions=[{"type": "Ready", "status": "True"}],
            actions={
                "stop": {
                    "token": "a",
                    "result": "Succeeded",
                    "requestedAt": "2026-01-01T10:00:00Z",
                },
                "hardReboot": {
                    "token": "b",
                    "result": "Running",
                    "requestedAt": "2026-01-01T10:05:00Z",
                },
            },
        ),
    )
    assert row.cells() == ("web-1", "True", "Active", "Running", "10.0.0.7", "hard-reboot: Running")


def test_rows_of_new_and_deleted_instances() -> None:
    assert row_of("web-1", instance()).cells() == ("web-1", "-", "-", "-", "-", "-")
    assert row_of("web-1", None).phase == "(deleted)"


def test_render_aligns_columns() -> None:
    lines = render([row_of("web-1", instance(phase="Active")), row_of("db-1", None)])
    assert lines[0].split() == ["NAME", "READY", "PHASE", "POWER", "IP", "LAST", "ACTION"]
    assert lines[1].index("Active") == lines[2].index("(deleted)") == lines[0].index("PHASE")


def test_on_a_terminal_the_table_is_redrawn_below_the_narration() -> None:
    out = io.StringIO()
    screen = Screen(out, live=True)
    screen.show([row_of("web-1", instance(phase="Building"))])
    screen.say("step 2")
    screen.show([row_of("web-1", instance(phase="Building"))])  # unchanged: nothing drawn
    before = out.getvalue()
    screen.show([row_of("web-1", instance(phase="Active"))])
    redraw = out.getvalue()[len(before) :]
    assert redraw.startswith("\x1b[2F\x1b[J")  # up over the two table lines, clear
    assert "Active" in redraw
    screen.close()
    assert out.getvalue().endswith("\x1b[2F\x1b[J")  # the summary that follows replaces it


def test_elsewhere_each_change_is_one_plain_line() -> None:
    out = io.StringIO()
    screen = Screen(out, live=False)
    screen.show([row_of("web-1", instance(phase="Building"))])
    screen.show([row_of("web-1", instance(phase="Building"))])
    screen.show([row_of("web-1", instance(phase="Active"))])
    screen.say("done")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert "phase Building" in lines[0]
    assert "phase Active" in lines[1]
    assert "\x1b" not in out.getvalue()
