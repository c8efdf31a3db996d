"""The demo's view of the Instances: one row each, redrawn in place on a terminal.

On a terminal the table stays at the bottom of the screen and is redrawn as the Instances change,
with the demo's narration scrolling above it. Anywhere else (CI, a pipe) redrawing would only
garble the log, so each change is printed once as a plain line instead.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from typing import Any, TextIO

from instance_operator.api import names
from instance_operator.sandbox import condition_of

HEADERS = ("NAME", "READY", "PHASE", "POWER", "IP", "LAST ACTION")


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    ready: str
    phase: str
    power: str
    ip: str
    last_action: str

    def cells(self) -> tuple[str, ...]:
        return (self.name, self.ready, self.phase, self.power, self.ip, self.last_action)


def row_of(name: str, instance: dict[str, Any] | None) -> Row:
    """What ``kubectl get instance NAME`` would show, plus the latest action's result."""
    if instance is None:
        return Row(name, "-", "(deleted)", "-", "-", "-")
    status = instance.get("status") or {}
    addresses = status.get("addresses") or []
    return Row(
        name=name,
        ready=condition_of(instance, "Ready").get("status", "-"),
        phase=status.get("phase", "-"),
        power=status.get("powerState", "-"),
        ip=addresses[0]["ip"] if addresses else "-",
        last_action=_last_action(status.get("actions") or {}),
    )


def _last_action(actions: dict[str, Any]) -> str:
    """The most recently requested action, as ``reboot: Succeeded``."""
    by_key = {action.status_key: action.value for action in names.Action}
    latest = max(
        ((record.get("requestedAt") or "", key) for key, record in actions.items() if record),
        default=None,
    )
    if latest is None:
        return "-"
    key = latest[1]
    return f"{by_key.get(key, key)}: {actions[key].get('result', '?')}"


def render(rows: list[Row]) -> list[str]:
    table = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]


class Screen:
    """Narration lines and the live table; ``live`` redraws in place (a terminal)."""

    def __init__(self, out: TextIO, *, live: bool) -> None:
        self.out = out
        self.live = live
        self.started = time.monotonic()
        self._drawn = 0
        self._rows: dict[str, Row] = {}

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, line: str) -> None:
        """A line of narration, above the table."""
        self._erase()
        self.out.write(line + "\n")
        self._draw()

    def show(self, rows: list[Row]) -> None:
        """The Instances as they are now."""
        changed = [row for row in rows if self._rows.get(row.name) != row]
        self._rows = {row.name: row for row in rows}
        if self.live:
            if changed:
                self._erase()
                self._draw()
            return
        for row in changed:
            cells = "  ".join(
                f"{h.lower()} {c}" for h, c in zip(HEADERS[1:], row.cells()[1:], strict=True)
            )
            self.out.write(f"  [{self.elapsed():5.1f}s] {row.name:<6} {cells}\n")
        self.out.flush()

    def has_row(self, name: str) -> bool:
        return name in self._rows

    def rows(self) -> list[Row]:
        return list(self._rows.values())

    def close(self) -> None:
        """Take the table off the screen and stop showing it: what follows is plain text."""
        self._erase()
        self._rows = {}
        self.out.flush()

    def _draw(self) -> None:
        if self.live and self._rows:
            # A wrapped line would throw off the count of lines to go back up when redrawing.
            width = shutil.get_terminal_size().columns - 1
            lines = [line[:width] for line in render(self.rows())]
            self.out.write("\n".join(lines) + "\n")
            self._drawn = len(lines)
        self.out.flush()

    def _erase(self) -> None:
        if self.live and self._drawn:
            # Up to the table's first line, then clear to the end of the screen.
            self.out.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0
