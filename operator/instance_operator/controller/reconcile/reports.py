"""What a pass says about an existing server without changing it: Nova's record mirrored into
status, a server that is gone (never re-created on the operator's own), and a server whose cell
Nova cannot reach (nothing is sent to it)."""

from __future__ import annotations

from instance_operator.api.models import Phase
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.status import server_status as status
from instance_operator.controller.status.conditions import Problem
from instance_operator.controller.status.phases import phase_of
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack.compute.server_groups import ServerGroup

_ACTIVITIES = {
    Phase.BUILDING: Reason.BUILDING,
    Phase.REBOOTING: Reason.REBOOTING,
    Phase.RESIZING: Reason.RESIZING,
}
_TASK_ACTIVITIES = {"powering-on": Reason.STARTING, "powering-off": Reason.STOPPING}


def mirror(p: Pass, server: Observed, flavor_names: dict[str, str]) -> None:
    """Nova's record in status; ``flavor_names`` (ID -> name) fills in whichever of the flavor's
    ID and name the server's microversion does not show."""
    flavor_id, flavor_name = server.flavor_id, server.flavor_name
    if flavor_id is None and flavor_name is not None:
        flavor_id = next((i for i, n in flavor_names.items() if n == flavor_name), None)
    elif flavor_name is None and flavor_id is not None:
        flavor_name = flavor_names.get(flavor_id)
    for field, value in status.mirrored(
        server, flavor_id=flavor_id, flavor_name=flavor_name
    ).items():
        setattr(p.status, field, value)
    phase = phase_of(server.status, server.task_state)
    p.activity = (
        p.activity or _ACTIVITIES.get(phase) or _TASK_ACTIVITIES.get(server.task_state or "")
    )
    if phase is Phase.ERROR and p.problem is None:
        fault = f" Nova's fault: {server.fault_message}" if server.fault_message else ""
        p.problem = Problem(
            Reason.SERVER_ERROR,
            f"The server is in ERROR.{fault} A hard reboot (annotation instance-operator.dev/hard-reboot)"
            " may recover it; the operator keeps watching.",
            transient=False,
        )


def explain_placement(p: Pass, server: Observed, group: ServerGroup) -> None:
    """A server of a group that Nova could not place: which group and policy, and the way out (a
    hard reboot does not help a server that never got a host)."""
    fault = server.fault_message or ""
    if p.problem is None or p.problem.reason is not Reason.SERVER_ERROR:
        return
    if "No valid host" not in fault:
        return
    policy = group.effective_policy or "unknown"
    advice = _PLACEMENT_ADVICE.get(policy, "")
    p.problem = Problem(
        Reason.SERVER_ERROR,
        f"Nova found no host for the server in server group {group.name} ({group.id}, policy"
        f" {policy}): {fault}{advice} Delete and re-create this Instance once the group can take"
        " it.",
        transient=False,
    )


_PLACEMENT_ADVICE = {
    "anti-affinity": (
        " With anti-affinity every member needs a host of its own (up to the group's"
        " max_server_per_host): add hosts, or use a soft-anti-affinity group, which places members"
        " apart when it can and never fails."
    ),
    "affinity": (
        " With affinity every member must fit on the host of the first: use a soft-affinity group"
        " to prefer it without failing."
    ),
}


def report_lost(p: Pass) -> None:
    for field in status.MIRRORED_FIELDS:
        if field not in ("server_id", "server_name"):
            setattr(p.status, field, None)
    p.status.phase = Phase.LOST
    p.problem = Problem(
        Reason.SERVER_LOST,
        f"Server {p.status.server_id} no longer exists: it was deleted outside the operator,"
        " which does not re-create it on its own. Delete this Instance, or delete and re-apply it"
        " to get a new server.",
        transient=False,
    )


def report_unreachable(p: Pass, server: Observed) -> None:
    """Nova cannot reach the server's cell. Nothing is sent to the server and nothing in the spec
    is applied; the last known addresses, flavor and image stay in status, for Nova's partial
    record lacks them. The watcher lists the scope in full while a server is in this state, so
    the pass after the cell comes back converges whatever was asked meanwhile."""
    if p.status.server_status != server.status:
        p.event(
            "Warning",
            Reason.SERVER_UNKNOWN,
            f"Nova cannot reach the cell of server {server.id} (status UNKNOWN); the operator"
            " changes nothing on it until Nova can, and then applies the spec.",
        )
    p.status.phase = Phase.UNKNOWN
    p.status.server_status = server.status
    p.status.task_state = None
    p.problem = Problem(
        Reason.SERVER_UNKNOWN,
        f"Nova cannot reach the cell of server {server.id} (status UNKNOWN). The operator"
        " changes nothing on the server until Nova can; spec changes and actions wait.",
        transient=True,
    )
