"""Every annotation action in one table: its Nova call, the states it is allowed in, how it ends.

Adding an action is one entry here, plus an actuator method if its Nova call is not a plain
``POST /servers/{id}/action`` that ends in a server status (a snapshot ends in Glance and has its
own call). The planner (:mod:`.plan`), the runner (:mod:`.runner`) and the actuator read this
table; none of them lists the actions again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from instance_operator.api.names import Action
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack.compute import servers
from instance_operator.openstack.resource import Accepted
from instance_operator.openstack.service import ServiceClient

#: A plain action's Nova call.
Send = Callable[[ServiceClient, str], Accepted]


@dataclass(frozen=True)
class ActionKind:
    #: The action's name in Nova's instance-action log (``os-instance-actions``).
    nova_name: str
    #: The Event reason when it succeeded.
    succeeded: Reason
    #: The server status it ends in; ``None`` when it ends elsewhere (a snapshot, in Glance).
    target: str | None
    #: The record's message when it succeeded.
    done: str = ""
    #: A status in which the action has nothing to do (recorded as Succeeded without a call),
    #: and the record's message then.
    already: str | None = None
    already_done: str = ""
    #: A power action: refused unless ``spec.powerState`` is Manual (else the operator keeps
    #: the power state itself).
    power: bool = False
    #: The call, for plain actions.
    send: Send | None = None


ACTIONS: dict[Action, ActionKind] = {
    Action.START: ActionKind(
        "start",
        Reason.STARTED,
        target="ACTIVE",
        done="The server is running.",
        already="ACTIVE",
        already_done="The server is already running.",
        power=True,
        send=servers.start,
    ),
    Action.STOP: ActionKind(
        "stop",
        Reason.STOPPED,
        target="SHUTOFF",
        done="The server is stopped.",
        already="SHUTOFF",
        already_done="The server is already stopped.",
        power=True,
        send=servers.stop,
    ),
    Action.REBOOT: ActionKind(
        "reboot",
        Reason.REBOOTED,
        target="ACTIVE",
        done="The server rebooted.",
        send=partial(servers.reboot, kind=servers.RebootType.SOFT),
    ),
    Action.HARD_REBOOT: ActionKind(
        "reboot",
        Reason.REBOOTED,
        target="ACTIVE",
        done="The server was hard-rebooted.",
        send=partial(servers.reboot, kind=servers.RebootType.HARD),
    ),
    Action.SNAPSHOT: ActionKind("createImage", Reason.SNAPSHOT_CREATED, target=None),
}
