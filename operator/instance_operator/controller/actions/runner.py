"""Carry out the annotation actions of one reconcile pass, exactly once per request token.

The plan for each token comes from :mod:`.plan` (pure); this module does the I/O. Its one rule:
the Running record is *written* before Nova is called (``flush``), and the call's request ID is
written after. Dying in between leaves a Running record without a request ID, which the next pass
resolves through Nova's instance-action log instead of guessing; while that log is silent, the call
may still be on its way, and :mod:`.in_flight` says how long to keep asking before calling again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from instance_operator.api.models import (
    MAX_SNAPSHOTS,
    ActionResult,
    ActionStatus,
    PowerPolicy,
    SnapshotStatus,
)
from instance_operator.api.names import Action
from instance_operator.controller.actions import plan as actions
from instance_operator.controller.actions.in_flight import CallKey, InFlight
from instance_operator.controller.actions.plan import ServerFacts, Step
from instance_operator.controller.actions.table import ACTIONS
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack import errors as os_errors

log = logging.getLogger(__name__)

#: When a crashed call's record has no Nova timestamp, how far back its Nova log entry may lie.
CLOCK_SKEW = timedelta(seconds=60)
#: Seconds between questions to Nova's action log while a call may still be on its way.
RECHECK = 5.0
#: Nova's ``updated`` and action times are whole seconds. A call is made at least this long after
#: the observation whose ``updated`` it records, so it starts in a later second than every action
#: that changed the server before; a recovery looks from that next second on, and an earlier action
#: of the same kind finished in the same second (a quick reboot) is never taken for this call.
NOVA_SECOND = timedelta(seconds=1)


class ActionRunner:
    def __init__(
        self,
        *,
        flush: Callable[[Pass], object],
        mutated: Callable[[str], None],
        last_mutation: Callable[[str], float],
        fast_poll: float,
        finished: Callable[[Action, ActionResult], None],
        in_flight: InFlight,
        clock: Callable[[], float],
    ) -> None:
        self._in_flight = in_flight
        self._clock = clock
        self._flush = flush
        self._mutated = mutated
        self._last_mutation = last_mutation
        self._fast_poll = fast_poll
        self._finished = finished

    def run(
        self,
        p: Pass,
        actuator: Actuator,
        server: Observed | None,
        *,
        power_policy: PowerPolicy,
        managed: bool,
        server_name: str,
    ) -> None:
        """Each action's token, planned and carried out with ``actuator`` (the Instance's
        credentials); an Unmanaged Instance's new tokens are refused."""
        facts = ServerFacts(server.status, server.task_state) if server else None
        for action in Action:
            token = p.view.annotations.get(action.annotation)
            plan = actions.plan(
                action,
                token,
                record=p.record(action),
                power_policy=power_policy,
                managed=managed,
                server=facts,
                server_name=server_name,
            )
            self._carry_out(p, actuator, plan, server, server_name)

    def _carry_out(
        self,
        p: Pass,
        actuator: Actuator,
        plan: actions.Plan,
        server: Observed | None,
        server_name: str,
    ) -> None:
        action, step = plan.action, plan.step
        if step is Step.NONE:
            return
        if step is Step.REFUSE:
            self._finish(p, action, ActionResult.FAILED, plan.message, refused=True)
        elif step is Step.SKIP:
            self._finish(p, action, ActionResult.SUCCEEDED, plan.message)
        elif step is Step.WAIT or (step is Step.CALL and p.called):
            message = plan.message or "Waiting for the previous change to the server to finish."
            self._set(p, action, plan.token, ActionResult.PENDING, message)
        elif step is Step.CALL:
            assert server is not None
            self._call(p, actuator, plan, server, server_name)
        elif step is Step.RECOVER:
            self._recover(p, actuator, plan, server, server_name)
        elif step is Step.AWAIT:
            self._await(p, actuator, action, server)

    # --- steps -----------------------------------------------------------------------------------

    def _call(
        self, p: Pass, actuator: Actuator, plan: actions.Plan, server: Observed, server_name: str
    ) -> None:
        action, token = plan.action, plan.token
        if self._too_fresh(p, server):
            return
        old = p.record(action)
        record = ActionStatus(
            token=token,
            result=ActionResult.RUNNING,
            message=f"Asking Nova to {action.value.replace('-', ' ')} the server.",
            requestedAt=old.requested_at if old and old.token == token else p.now,
            startedAt=p.now,
            serverUpdatedAt=server.updated,
        )
        p.set_record(action, record)
        self._flush(p)  # the write-ahead: from here on, this token is never called blindly again
        key = CallKey.of(p.uid, action, record)
        image_name = actions.snapshot_image_name(server_name, token)
        try:
            call = (
                actuator.snapshot(server.id, image_name, p.ref)
                if action is Action.SNAPSHOT
                else actuator.act(action, server.id)
            )
        except (os_errors.Conflict, os_errors.BadRequest, os_errors.Forbidden) as exc:
            self._finish(p, action, ActionResult.FAILED, f"Nova refused: {exc.message}")
            return
        except os_errors.OutcomeUnknown:
            log.warning(
                "The %s call's answer was lost; checking Nova's action log next pass",
                action.value,
            )
            clock = self._clock()
            self._in_flight.lost(key, clock=clock, now=_wall(p, clock))
            self._changed(p)  # it may have reached Nova
            p.soon(self._fast_poll)
            return
        except (os_errors.HttpError, os_errors.ConnectionFailed):
            self._in_flight.settled(key)  # answered, or never sent: Nova's log tells the rest
            raise
        self._changed(p)
        p.set_record(action, record.model_copy(update={"request_id": call.request_id}))
        if action is Action.SNAPSHOT:
            self._add_snapshot(p, token, image_name, call.image_id)
        p.soon(self._fast_poll)

    def _recover(
        self,
        p: Pass,
        actuator: Actuator,
        plan: actions.Plan,
        server: Observed | None,
        server_name: str,
    ) -> None:
        action, token = plan.action, plan.token
        record = p.record(action)
        assert record is not None
        if server is None:
            self._finish(
                p, action, ActionResult.FAILED, "The server disappeared while the action ran."
            )
            return
        if record.server_updated_at is not None:
            since = record.server_updated_at + NOVA_SECOND
        else:
            since = (record.started_at or p.now) - CLOCK_SKEW
        request_id = actuator.arrived(action, server.id, since=since)
        key = CallKey.of(p.uid, action, record)
        if request_id is None:
            clock = self._clock()
            unsettled = self._in_flight.wait(key, clock=clock, now=_wall(p, clock))
            if unsettled is not None:  # not logged yet, but it may still be on its way
                message = (
                    f"The {action.value} call's outcome is unknown (the operator restarted or lost"
                    " Nova's answer) and Nova has not logged it yet; it may still be on its way."
                    f" Asking Nova again until {unsettled.until:%H:%M:%S} UTC before calling again."
                )
                log.info(
                    "The %s call (token %r) is not in Nova's log yet; it may still be on its way",
                    action.value,
                    token,
                )
                p.set_record(action, record.model_copy(update={"message": message}))
                p.soon(min(unsettled.remaining, RECHECK))
                return
            if server.task_state is None and not p.called:
                if self._too_fresh(p, server):
                    return  # the wait is over, and stays over: the key is kept until the call
                self._in_flight.forget(key)
                log.info(
                    "The %s call (token %r) never reached Nova; making it now",
                    action.value,
                    token,
                )
                self._call(p, actuator, plan, server, server_name)
            else:
                self._in_flight.forget(key)
                self._set(
                    p, action, token, ActionResult.PENDING, "Waiting for the server to be idle."
                )
            return
        self._in_flight.forget(key)
        self._changed(p)  # at some time before now: only a later observation is evidence
        log.info(
            "The %s call (token %r) had reached Nova as %s",
            action.value,
            token,
            request_id,
        )
        p.set_record(action, record.model_copy(update={"request_id": request_id}))
        if action is Action.SNAPSHOT:
            image_name = actions.snapshot_image_name(server_name, token)
            self._add_snapshot(p, token, image_name, actuator.find_image(image_name))
        p.soon(self._fast_poll)

    def _changed(self, p: Pass) -> None:
        """A call reached, or may have reached, Nova: no other call in this pass, and only an
        observation made after now tells how it ended."""
        p.called = True
        self._mutated(p.uid)

    def _too_fresh(self, p: Pass, server: Observed) -> bool:
        """Less than NOVA_SECOND since this process first saw the ``updated`` a call would record:
        ask to be looked at again when it is not."""
        seen = self._in_flight.first_seen(server.id, server.updated, server.seen_at)
        wait = NOVA_SECOND.total_seconds() - (self._clock() - seen)
        if wait > 0:
            p.soon(wait)
        return wait > 0

    def _await(self, p: Pass, actuator: Actuator, action: Action, server: Observed | None) -> None:
        if action is Action.SNAPSHOT:
            self._await_snapshot(p, actuator)
            return
        if server is not None and server.seen_at < self._last_mutation(p.uid):
            p.soon(self._fast_poll)  # no evidence yet: this observation predates the call
            return
        facts = ServerFacts(server.status, server.task_state) if server else None
        done = actions.outcome(action, facts, server.fault_message or "" if server else "")
        if done is None:
            p.soon(self._fast_poll)
            return
        self._finish(p, action, *done)

    def _await_snapshot(self, p: Pass, actuator: Actuator) -> None:
        record = p.record(Action.SNAPSHOT)
        assert record is not None
        snapshot = next((s for s in p.status.snapshots or [] if s.token == record.token), None)
        image_id = snapshot.image_id if snapshot else None
        state = actuator.image_status(image_id) if image_id else None
        if snapshot is not None and state is not None:
            snapshot.state = state
        done = actions.snapshot_outcome(state)
        if done is None:
            p.soon(self._fast_poll)
            return
        self._finish(p, Action.SNAPSHOT, *done)

    # --- records ---------------------------------------------------------------------------------

    def _set(self, p: Pass, action: Action, token: str, result: ActionResult, message: str) -> None:
        old = p.record(action)
        same = old is not None and old.token == token
        p.set_record(
            action,
            ActionStatus(
                token=token,
                result=result,
                message=message,
                requestedAt=old.requested_at if same and old else p.now,
            ),
        )

    def _finish(
        self, p: Pass, action: Action, result: ActionResult, message: str, *, refused: bool = False
    ) -> None:
        old = p.record(action)
        token = p.view.annotations.get(action.annotation, "")
        same = old is not None and old.token == token
        base = (
            old
            if same and old is not None
            else ActionStatus(token=token, result=result, requestedAt=p.now)
        )
        p.set_record(
            action,
            base.model_copy(update={"result": result, "message": message, "finished_at": p.now}),
        )
        self._finished(action, result)
        label = f"{action.value} (token {token!r})"
        if result is ActionResult.SUCCEEDED:
            p.event("Normal", ACTIONS[action].succeeded, f"{label}: {message}")
        else:
            p.event(
                "Warning",
                Reason.ACTION_REFUSED if refused else Reason.ACTION_FAILED,
                f"{label}: {message}",
            )

    def _add_snapshot(self, p: Pass, token: str, image_name: str, image_id: str | None) -> None:
        snapshots = [s for s in p.status.snapshots or [] if s.token != token]
        entry = SnapshotStatus(
            token=token,
            image_name=image_name,
            image_id=image_id or None,
            state="queued",
            created_at=p.now.replace(microsecond=0),
        )
        p.status.snapshots = [*snapshots, entry][-MAX_SNAPSHOTS:]


def _wall(p: Pass, clock: float) -> datetime:
    """The wall time at monotonic ``clock``, from the pass's start."""
    return p.now + timedelta(seconds=clock - p.started)
