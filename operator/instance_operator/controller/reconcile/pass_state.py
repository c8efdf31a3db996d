"""One reconcile pass's working state: the status being built and what to report afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from instance_operator.api.models import ActionsStatus, ActionStatus, InstanceStatus, Phase
from instance_operator.api.names import Action
from instance_operator.controller.kube import InstanceRef
from instance_operator.controller.registry import InstanceView
from instance_operator.controller.status import conditions
from instance_operator.controller.status.conditions import Health, Problem
from instance_operator.controller.status.reasons import Reason

EventKind = Literal["Normal", "Warning"]

#: ``status.actions``' field of each action, by the wire name an Action knows it by.
_ACTION_FIELDS = {info.alias or name: name for name, info in ActionsStatus.model_fields.items()}


@dataclass
class Pass:
    view: InstanceView
    #: The status as it will be written: starts as the last one written, changes as the pass goes.
    status: InstanceStatus
    now: datetime
    #: Monotonic time the pass started, paired with ``now`` to turn monotonic times into wall times.
    started: float
    activity: Reason | None = None
    problem: Problem | None = None
    #: Seconds until this Instance should be looked at again without being asked.
    requeue: float | None = None
    #: A call that changes the server was made in this pass; the next one waits for a fresh look.
    called: bool = False
    events: list[tuple[EventKind, Reason, str]] = field(default_factory=list)
    #: Sentences the Ready condition's message ends with whatever its state (an unsafe setting).
    notes: list[str] = field(default_factory=list)
    #: An imported server's differences from the spec (see ``Health.differences``).
    differences: tuple[str, ...] | None = None

    @property
    def ref(self) -> InstanceRef:
        return self.view.ref

    @property
    def uid(self) -> str:
        return self.view.uid

    def record(self, action: Action) -> ActionStatus | None:
        actions = self.status.actions
        found = getattr(actions, _ACTION_FIELDS[action.status_key]) if actions else None
        assert found is None or isinstance(found, ActionStatus)
        return found

    def set_record(self, action: Action, record: ActionStatus) -> None:
        actions = self.status.actions or ActionsStatus()
        setattr(actions, _ACTION_FIELDS[action.status_key], record)
        self.status.actions = actions

    def event(self, kind: EventKind, reason: Reason, message: str) -> None:
        self.events.append((kind, reason, message))

    def soon(self, seconds: float) -> None:
        """Ask to be looked at again within ``seconds``."""
        self.requeue = seconds if self.requeue is None else min(self.requeue, seconds)

    def final_status(self) -> InstanceStatus:
        """The status with this pass's conclusions in: every pass ends having looked at the
        current generation, ``observedGeneration`` says so, and the conditions say with which
        outcome (kstatus reads them only when the two agree)."""
        if self.status.phase is None:
            self.status.phase = Phase.PENDING
        self.status.observed_generation = self.view.generation
        health = Health(
            phase=self.status.phase,
            spec_applied=self.activity is None and self.problem is None,
            activity=self.activity,
            problem=self.problem,
            notes=tuple(self.notes),
            differences=self.differences,
        )
        self.status.conditions = conditions.compute(
            health, self.view.generation, self.status.conditions or [], self.now
        )
        return self.status
