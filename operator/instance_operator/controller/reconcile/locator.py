"""Find an Instance's server, as fresh as the last change the operator made to it.

Shared by the reconciler and the finalizer: both open the Instance's credentials (its scope's
session and the actuator of its credentials), and both read the server from the scope's watcher
unless the operator changed the server after the watcher's observation, in which case Nova is
asked. The time of the last change per Instance is kept here, where it is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from instance_operator.api.models import CloudCredentialsRef
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.observe.sessions import ScopeSession, Sessions
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.credentials import Access, CloudAccess
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.status.reasons import Reason


class ServerLocator:
    def __init__(
        self,
        registry: Registry,
        access: CloudAccess,
        sessions: Sessions,
        *,
        clock: Callable[[], float],
    ) -> None:
        self._registry = registry
        self._access = access
        self._sessions = sessions
        self._clock = clock
        self._lock = threading.Lock()
        #: Instance UID -> when a call last changed its server (monotonic).
        self._mutated: dict[str, float] = {}

    def open(
        self, view: InstanceView, credentials: CloudCredentialsRef
    ) -> tuple[Access, ScopeSession, Actuator]:
        """The Instance's cloud, its scope's session, and the actuator of its credentials."""
        access = self._access.open(view.ref.namespace, credentials)
        self._registry.assign_scope(view.uid, access.scope)
        session, actuator = self._sessions.open(access)
        return access, session, actuator

    def mutated(self, uid: str) -> None:
        """A call changed the Instance's server just now: older observations are no evidence."""
        with self._lock:
            self._mutated[uid] = self._clock()

    def last_mutation(self, uid: str) -> float:
        with self._lock:
            return self._mutated.get(uid, float("-inf"))

    def forget(self, uid: str) -> None:
        with self._lock:
            self._mutated.pop(uid, None)

    def locate(self, p: Pass, session: ScopeSession, actuator: Actuator) -> Observed | None:
        """The Instance's server as fresh as the last change made to it: from the watcher when
        its observation is newer than that change, else asked of Nova; found by tag (asked of Nova,
        never of a cache) if the status does not know its ID yet, e.g. a create whose ID was
        never recorded."""
        server_id = p.status.server_id
        if server_id is None:
            found = session.lookup.find(p.uid)
            if found is not None:
                p.status.server_id = found.id
                self._registry.link_server(p.uid, found.id)
                p.event(
                    "Normal",
                    Reason.ADOPTED,
                    f"Found server {found.name} ({found.id}) tagged for this Instance; adopting it.",
                )
            return found
        watcher = session.watcher
        observed = watcher.observation(server_id)
        if observed is None or observed.seen_at < self.last_mutation(p.uid):
            observed = actuator.get(server_id, self._clock())
            if observed is not None:
                watcher.record(observed)
        return observed
