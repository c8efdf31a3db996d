"""What deleting an Instance does to its server, before kopf removes the finalizer.

``Delete``: delete the server, and report done only when Nova no longer has it (404 or DELETED),
so that ``kubectl delete --wait`` means the server is gone. ``Orphan``: take the operator's tag and
metadata off the server and leave it. A server that is already gone is fine either way. Unset, the
policy deletes a server the operator created and orphans an imported one; an Unmanaged Instance
leaves its server exactly as it is.

The spec is read leniently here: an Instance with an invalid spec must still be deletable.
Switching ``deletionPolicy`` to ``Orphan`` releases an Instance whose cloud cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from instance_operator.api import names
from instance_operator.api.models import (
    CloudCredentialsRef,
    DeletionPolicy,
    ManagementPolicy,
    Phase,
    deletion_policy_for,
)
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.credentials import Access
from instance_operator.controller.reconcile.failures import classify
from instance_operator.controller.reconcile.immutability import (
    CREDENTIALS_FIELD,
    changed_immutable_fields,
)
from instance_operator.controller.reconcile.locator import ServerLocator
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.reconcile.server_changes import HURRY
from instance_operator.controller.registry import InstanceView, Registry
from instance_operator.controller.status import conditions
from instance_operator.controller.status.conditions import Health, Problem
from instance_operator.controller.status.phases import is_gone
from instance_operator.controller.status.reasons import Reason
from instance_operator.controller.status.writer import Recorder, StatusWriter
from instance_operator.controller.telemetry.log_context import set_server


@dataclass(frozen=True)
class Outcome:
    done: bool
    #: Why not done yet (for kopf's retry message and the logs).
    message: str = ""
    #: The cloud could not be reached or refused us: worth a slower retry.
    failed: bool = False
    #: Held by the deletion-protection annotation: nothing happens until a person takes it off.
    held: bool = False

    @property
    def label(self) -> str:
        """A bounded word for metrics."""
        if self.done:
            return "done"
        return "error" if self.failed else "held" if self.held else "waiting"

    @property
    def waits_for_the_server(self) -> bool:
        """Worth waiting for the watcher to see the server go, rather than retrying later."""
        return not (self.done or self.failed or self.held)


class Finalizer:
    def __init__(
        self,
        locator: ServerLocator,
        registry: Registry,
        writer: StatusWriter,
        recorder: Recorder,
        *,
        clock: Callable[[], float],
    ) -> None:
        self._locator = locator
        self._registry = registry
        self._writer = writer
        self._recorder = recorder
        self._clock = clock

    def finalize(self, uid: str) -> Outcome:
        view = self._registry.get(uid)
        if view is None:
            return Outcome(done=True)
        if view.protected:
            return self._hold(view)
        if view.spec.get("managementPolicy") == ManagementPolicy.UNMANAGED.value:
            return self._let_go(view)
        policy = _policy(view)
        try:
            return self._finalize(view, policy)
        except Exception as exc:
            problem = classify(exc, cloud=view.cloud_name)
            if policy is DeletionPolicy.ORPHAN:
                recorded = self._writer.current(view)
                server = f"server {recorded.server_name or '?'} ({recorded.server_id})"
                # The Instance is gone after this: no retry to promise, only where the server is.
                message = (
                    f"Released without cleaning up {server}: the cloud could not be used"
                    f" ({problem.reason.value}), so the server may still carry the operator's tag"
                    " and metadata; remove them in OpenStack if they matter."
                )
                self._recorder.warning(view.ref, Reason.ORPHANED, message)
                return Outcome(done=True)
            message = _stuck_message(view, problem.reason, problem.message)
            self._recorder.warning(view.ref, problem.reason, message)
            self._show(view, Problem(problem.reason, message, problem.transient))
            return Outcome(done=False, message=f"{problem.reason.value}: {message}", failed=True)

    def _finalize(self, view: InstanceView, policy: DeletionPolicy) -> Outcome:
        recorded = self._writer.current(view)
        if CREDENTIALS_FIELD in changed_immutable_fields(recorded, view.spec):
            return self._credentials_changed(view, policy, recorded.server_id)
        credentials = CloudCredentialsRef.model_validate(view.spec.get("cloudCredentialsRef"))
        access, session, actuator = self._locator.open(view, credentials)
        watcher = session.watcher
        p = Pass(
            view=view,
            status=recorded,
            now=datetime.now(UTC),
            started=self._clock(),
        )
        server = self._locator.locate(p, session, actuator)
        if server is not None:
            set_server(server.id)
        if server is None or is_gone(server.status):
            if p.status.server_id and policy is DeletionPolicy.DELETE:
                self._recorder.normal(
                    view.ref, Reason.DELETED, f"Server {p.status.server_id} is deleted."
                )
            self._drop_group(view, access, actuator)
            return Outcome(done=True)
        if policy is DeletionPolicy.ORPHAN:
            actuator.release(view.ref, server)
            self._recorder.normal(
                view.ref,
                Reason.ORPHANED,
                f"Left server {server.name} ({server.id}) running, without the operator's tag.",
            )
            return Outcome(done=True)
        if server.task_state != "deleting":
            actuator.delete(server.id)
            self._locator.mutated(view.uid)
            watcher.hurry(HURRY)
            p.status.phase = Phase.DELETING
            p.status.task_state = "deleting"
            p.status.conditions = conditions.compute(
                Health(phase=Phase.DELETING, spec_applied=False, activity=Reason.DELETING),
                view.generation,
                p.status.conditions or [],
                p.now,
            )
            self._writer.write(view, p.status)
        return Outcome(done=False, message=f"Waiting for Nova to delete server {server.id}.")

    def _drop_group(self, view: InstanceView, access: Access, actuator: Actuator) -> None:
        """The group ``spec.serverGroup.create`` made goes with the last Instance of the project
        that names it, once no server is in it (an orphaned server keeps it). Instances being
        deleted too do not keep it: the last of them to lose its server deletes it."""
        name = created_group(view.spec)
        if name is None:
            return
        users = [
            v
            for v in self._registry.in_scope(access.scope)
            if v.uid != view.uid and not v.deleting and created_group(v.spec) == name
        ]
        if not users and actuator.drop_server_group(name):
            self._recorder.normal(
                view.ref,
                Reason.DELETED,
                f"Deleted server group {name}: no Instance of the project uses it any more.",
            )

    def _hold(self, view: InstanceView) -> Outcome:
        """Nothing is done to the server of a protected Instance, whatever its deletion policy: an
        admission policy should have refused the DELETE, and where none did, this says why the
        Instance stays. Taking the annotation off wakes the deletion at once."""
        message = (
            f"Deletion held: the annotation {names.DELETION_PROTECTION}=true protects this"
            " Instance, and its server is left as it is. To delete it, remove the annotation:"
            f" kubectl annotate instance {view.ref.name} -n {view.ref.namespace}"
            f" {names.DELETION_PROTECTION}-"
        )
        self._recorder.warning(view.ref, Reason.DELETION_PROTECTED, message)
        self._show(view, Problem(Reason.DELETION_PROTECTED, message, transient=False))
        return Outcome(done=False, message=message, held=True)

    def _let_go(self, view: InstanceView) -> Outcome:
        """An Unmanaged Instance writes nothing to Nova, not even to release the server."""
        server = self._writer.current(view).server_id
        if server is not None:
            self._recorder.normal(
                view.ref,
                Reason.ORPHANED,
                f"Left server {server} as it is: spec.managementPolicy is Unmanaged, so the operator"
                " neither deletes nor untags it.",
            )
        return Outcome(done=True)

    def _credentials_changed(
        self, view: InstanceView, policy: DeletionPolicy, server_id: str | None
    ) -> Outcome:
        """Other credentials may not see the server at all, and "not found" would then release
        the Instance and leave the server running unnoticed."""
        if policy is DeletionPolicy.ORPHAN:
            self._recorder.warning(
                view.ref,
                Reason.ORPHANED,
                f"Released; server {server_id} was left as it is, tag and metadata included:"
                " spec.cloudCredentialsRef changed after the server was created.",
            )
            return Outcome(done=True)
        message = (
            f"Cannot delete server {server_id}: spec.cloudCredentialsRef changed after it was"
            " created, and the server is deleted only with the credentials that created it."
            " Revert spec.cloudCredentialsRef, or set spec.deletionPolicy to Orphan to release"
            " this Instance without deleting the server."
        )
        self._recorder.warning(view.ref, Reason.IMMUTABLE_FIELD_CHANGED, message)
        self._show(view, Problem(Reason.IMMUTABLE_FIELD_CHANGED, message, transient=False))
        return Outcome(done=False, message=message, failed=True)

    def _show(self, view: InstanceView, problem: Problem) -> None:
        """A deletion that cannot go on says why in its conditions too, not only in an Event:
        ``kubectl get instance`` and kstatus (Stalled) show it."""
        status = self._writer.current(view)
        status.phase = Phase.DELETING
        status.conditions = conditions.compute(
            Health(phase=Phase.DELETING, spec_applied=False, problem=problem),
            view.generation,
            status.conditions or [],
            datetime.now(UTC),
        )
        self._writer.write(view, status)


def _stuck_message(view: InstanceView, reason: Reason, problem: str) -> str:
    if reason is Reason.SECRET_NOT_FOUND:
        # Deleted by hand while Instances used it (its in-use finalizer removed too), or before
        # any operator put that finalizer on it.
        secret = view.credentials_secret or "?"
        server = view.status.server_id or "of this Instance"
        return (
            f"Cannot delete server {server}: its credentials Secret {view.ref.namespace}/{secret}"
            " no longer exists. Either restore the Secret (the same clouds.yaml) and the deletion"
            " goes on within seconds, or set spec.deletionPolicy to Orphan to release this"
            " Instance and leave the server running."
        )
    return (
        f"Cannot delete the server yet: {problem} To release this Instance without deleting its"
        " server, set spec.deletionPolicy to Orphan."
    )


def _policy(view: InstanceView) -> DeletionPolicy:
    """The effective policy, read leniently: an unreadable value deletes only a server the
    operator created."""
    given = view.spec.get("deletionPolicy")
    imported = view.spec.get("import") is not None
    try:
        policy = DeletionPolicy(given) if given is not None else None
    except ValueError:
        policy = None
    return deletion_policy_for(policy, imported=imported, unmanaged=False)


def created_group(spec: Mapping[str, Any]) -> str | None:
    """The name in ``spec.serverGroup.create``, read leniently (a spec may be invalid here)."""
    group = spec.get("serverGroup")
    create = group.get("create") if isinstance(group, Mapping) else None
    name = create.get("name") if isinstance(create, Mapping) else None
    return name if isinstance(name, str) else None
