"""What the controller reports about its own work, as a narrow interface.

The controller calls these hooks; the Prometheus exporter (``metrics.py``) implements them. Keeping
the metrics library out of the reconcile code means a test or a benchmark can count the same
events with a plain object.
"""

from __future__ import annotations

from typing import Protocol

from instance_operator.api.models import ActionResult
from instance_operator.api.names import Action
from instance_operator.controller.observe.scope_watcher import PollStats


class Telemetry(Protocol):
    def reconciled(self, handler: str, result: str, seconds: float) -> None:
        """One reconcile pass (``handler``: reconcile or finalize; ``result``: see Outcome)."""

    def action_finished(self, action: Action, result: ActionResult) -> None:
        """An annotation action reached Succeeded or Failed."""

    def polled(self, stats: PollStats) -> None:
        """A scope watcher finished a poll."""


class NoTelemetry:
    def reconciled(self, handler: str, result: str, seconds: float) -> None:
        return None

    def action_finished(self, action: Action, result: ActionResult) -> None:
        return None

    def polled(self, stats: PollStats) -> None:
        return None
