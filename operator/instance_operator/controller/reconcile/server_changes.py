"""What a pass changes on an existing server beyond its fields: flavor (resize and its confirm) and
power state.

Each change is one call per pass (``Pass.called``); after it, only later observations count as
evidence (the reconciler's mutation time) and the scope's watcher polls fast until it sees the
change begin.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from instance_operator.api.models import InstanceSpec, PowerPolicy
from instance_operator.api.names import Action
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.scope_watcher import ScopeWatcher
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.status.reasons import Reason

#: How long the watcher polls fast after the operator changed a server: until it has seen the
#: change begin. From then on the server's own transition (BUILD, a task) keeps it polling fast.
HURRY = 10.0
#: Nova shows VERIFY_RESIZE until a confirm is done, which can take a while (the source host cleans
#: up): a server confirmed less than this ago is waited for, not confirmed again (a second confirm
#: is refused, 400 while the first runs and 409 once it is done).
CONFIRM_PATIENCE = 300.0


class ServerChanges:
    def __init__(self, *, clock: Callable[[], float], mutated: Callable[[str], None]) -> None:
        """``mutated(uid)`` records that a call changed the Instance's server just now."""
        self._clock = clock
        self._mutated = mutated
        #: Server ID -> when its resize was confirmed, while Nova may still show VERIFY_RESIZE.
        self._confirmed: dict[str, float] = {}
        self._lock = threading.Lock()

    def resize(
        self,
        p: Pass,
        spec: InstanceSpec,
        watcher: ScopeWatcher,
        actuator: Actuator,
        server: Observed,
    ) -> None:
        if spec.flavor is None:  # an imported server keeps its flavor
            return
        wanted = actuator.resolver.flavor(spec.flavor)
        current = (
            server.flavor_id == wanted.id if server.flavor_id else server.flavor_name == wanted.name
        )
        if self._confirming(server):
            p.activity = Reason.RESIZING  # Nova is still confirming
        elif server.status == "VERIFY_RESIZE":
            actuator.confirm_resize(server.id)
            with self._lock:
                now = self._clock()
                self._confirmed = {  # servers deleted meanwhile leave no entry behind for long
                    sid: at for sid, at in self._confirmed.items() if now - at < CONFIRM_PATIENCE
                }
                self._confirmed[server.id] = now
            self.called(p, watcher, Reason.RESIZING)
            if current:
                p.event("Normal", Reason.RESIZED, f"Resized the server to flavor {wanted.name}.")
        elif (
            not current
            and server.status in ("ACTIVE", "SHUTOFF")
            and server.task_state is None
            and not p.called
        ):
            actuator.resize(server.id, wanted.id)
            self.called(p, watcher, Reason.RESIZING)
            p.event("Normal", Reason.RESIZING, f"Resizing the server to flavor {wanted.name}.")
        elif not current:
            p.activity = Reason.RESIZING

    def _confirming(self, server: Observed) -> bool:
        """Whether a confirm of this server's resize went out lately and Nova still shows it."""
        with self._lock:
            if server.status != "VERIFY_RESIZE":
                self._confirmed.pop(server.id, None)
                return False
            confirmed = self._confirmed.get(server.id)
        return confirmed is not None and self._clock() - confirmed < CONFIRM_PATIENCE

    def enforce_power(
        self,
        p: Pass,
        spec: InstanceSpec,
        watcher: ScopeWatcher,
        actuator: Actuator,
        server: Observed,
    ) -> None:
        if p.called or server.task_state is not None:
            return
        if spec.power_state is PowerPolicy.RUNNING and server.status == "SHUTOFF":
            actuator.act(Action.START, server.id)
            self.called(p, watcher, Reason.STARTING)
            p.event("Normal", Reason.STARTED, "Started the server: spec.powerState is Running.")
        elif spec.power_state is PowerPolicy.STOPPED and server.status == "ACTIVE":
            actuator.act(Action.STOP, server.id)
            self.called(p, watcher, Reason.STOPPING)
            p.event("Normal", Reason.STOPPED, "Stopped the server: spec.powerState is Stopped.")

    def called(self, p: Pass, watcher: ScopeWatcher, activity: Reason) -> None:
        """A call that changes the server went out: only later observations count as evidence,
        the watcher polls fast until it sees the change, and no second call goes out this pass."""
        self._mutated(p.uid)
        watcher.hurry(HURRY)
        p.called = True
        p.activity = activity
