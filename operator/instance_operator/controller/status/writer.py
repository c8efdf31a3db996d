"""Status writes that happen only on change, and Events that do not repeat themselves.

The writer remembers the status it last wrote for each Instance. Watch events arrive after the
write that caused them, so a reconcile that trusted the event's copy could act on a status one
write old (and, say, start an action twice); the writer's copy is always the latest, because only
this process writes an Instance's status (kopf peering keeps a single active replica, and the
memory is dropped whenever this replica becomes active again).
"""

from __future__ import annotations

import logging
import threading

from instance_operator.api.models import InstanceStatus
from instance_operator.controller.kube import InstanceRef, Kube
from instance_operator.controller.registry import InstanceView, status_of
from instance_operator.controller.status import mergepatch
from instance_operator.controller.status.reasons import Reason

log = logging.getLogger(__name__)


class StatusWriter:
    def __init__(self, kube: Kube) -> None:
        self._kube = kube
        self._lock = threading.Lock()
        self._written: dict[str, InstanceStatus] = {}

    def current(self, view: InstanceView) -> InstanceStatus:
        """A deep copy: a pass edits it freely, and only a write changes what is remembered.
        (Copied through its wire form: a quarter of the CPU of ``model_copy(deep=True)``, and this
        runs on every pass.)"""
        with self._lock:
            known = self._written.get(view.uid)
        return InstanceStatus.model_validate((known if known is not None else view.status).wire())

    def write(self, view: InstanceView, status: InstanceStatus) -> bool:
        """Make the Instance's status ``status``; False if nothing changed (no request sent).

        Both sides of the patch are dumped from the model, so a field this version does not know
        (written by a newer operator) is in neither and left as it is."""
        patch = mergepatch.diff(self.current(view).wire(), status.wire())
        if not patch:
            return False
        result = self._kube.patch_status(view.ref, patch)
        with self._lock:
            if result is None:  # the Instance is gone
                self._written.pop(view.uid, None)
            else:
                self._written[view.uid] = status_of(result)
        return True

    def forget(self, uid: str) -> None:
        with self._lock:
            self._written.pop(uid, None)

    def reset(self) -> None:
        with self._lock:
            self._written.clear()


class Recorder:
    """Events for ``kubectl describe``: every change a user cares about, each failure once.

    A user error retried every few minutes would otherwise add the same Warning each time; it is
    posted again only when the problem changes (or after it was solved and came back).
    """

    def __init__(self, kube: Kube) -> None:
        self._kube = kube
        self._lock = threading.Lock()
        self._last_warning: dict[str, tuple[Reason, str]] = {}

    def normal(self, ref: InstanceRef, reason: Reason, message: str) -> None:
        log.info("%s: %s", reason.value, message)
        self._kube.post_event(ref, "Normal", reason, message)

    def warning(self, ref: InstanceRef, reason: Reason, message: str) -> None:
        with self._lock:
            if self._last_warning.get(ref.uid) == (reason, message):
                return
            self._last_warning[ref.uid] = (reason, message)
        log.warning("%s: %s", reason.value, message)
        self._kube.post_event(ref, "Warning", reason, message)

    def resolved(self, uid: str) -> None:
        """The Instance's problem is gone: the next occurrence is news again."""
        with self._lock:
            self._last_warning.pop(uid, None)
