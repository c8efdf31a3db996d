"""What Nova stores about a server, and how its vm_state/task_state pair reads as a status.

Plain dataclasses: the state machine in ``lifecycle`` mutates them, the views read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from instance_operator.simulator.config import FlavorSeed

BUILDING = "building"
ACTIVE = "active"
STOPPED = "stopped"
RESIZED = "resized"
ERROR = "error"
DELETED = "deleted"

NOSTATE = 0
RUNNING = 1
SHUTDOWN = 4

# The part of Nova's status table the simulator can reach: vm_state -> task_state -> status.
_STATUS: dict[str, dict[str | None, str]] = {
    ACTIVE: {
        None: "ACTIVE",
        "rebooting": "REBOOT",
        "rebooting_hard": "HARD_REBOOT",
        "resize_prep": "RESIZE",
    },
    BUILDING: {None: "BUILD"},
    STOPPED: {None: "SHUTOFF", "resize_prep": "RESIZE"},
    RESIZED: {None: "VERIFY_RESIZE"},
    ERROR: {None: "ERROR"},
    DELETED: {None: "DELETED"},
}

#: Statuses whose view carries ``progress``.
PROGRESS_STATUSES = frozenset(
    {"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}
)
#: Statuses whose view carries ``fault`` when there is one.
FAULT_STATUSES = frozenset({"ERROR", "DELETED"})


@dataclass
class Fault:
    code: int
    message: str
    details: str
    created: float


@dataclass
class ActionEvent:
    event: str
    start: float
    host: str | None
    finish: float | None = None
    result: str | None = None


@dataclass
class InstanceAction:
    """One ``os-instance-actions`` record: who asked for what, under which request ID."""

    action: str
    request_id: str
    user_id: str
    project_id: str
    start: float
    events: list[ActionEvent]
    message: str | None = None

    def updated_at(self) -> float:
        return max([self.start, *(e.finish for e in self.events if e.finish is not None)])


@dataclass(eq=False)
class Server:
    id: str
    name: str
    project_id: str
    user_id: str
    flavor: FlavorSeed
    image_id: str
    created: float
    updated: float
    hostname: str
    reservation_id: str
    admin_pass: str
    key_name: str | None = None
    user_data: str | None = None
    description: str | None = None
    requested_az: str | None = None
    access_ipv4: str = ""
    access_ipv6: str = ""
    config_drive: str = ""
    scheduler_hints: dict[str, list[str]] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    #: Security group names asked for at create (the create answer echoes them).
    security_groups: list[str] = field(default_factory=list)
    #: Neutron ports bound to the server, in attach order.
    ports: list[str] = field(default_factory=list)
    #: The ports Nova made for the server (deleted with it; ports passed in are only unbound).
    own_ports: set[str] = field(default_factory=set)
    vm_state: str = BUILDING
    task_state: str | None = "scheduling"
    power_state: int = NOSTATE
    host: str | None = None
    availability_zone: str | None = None
    instance_name: str = ""
    root_device_name: str | None = None
    launched_at: float | None = None
    terminated_at: float | None = None
    fault: Fault | None = None
    deleted: bool = False
    #: Its cell's database is unreachable: the API shows only what the API database knows
    #: (status UNKNOWN, from 2.69) or, before 2.69, leaves it out of listings.
    cell_down: bool = False
    #: Bumped when an operation starts; steps scheduled by an older operation then do nothing.
    epoch: int = 0
    actions: list[InstanceAction] = field(default_factory=list)
    #: The vm_state a confirmed resize returns to (a stopped server stays stopped).
    resize_returns_to: str = ACTIVE

    @property
    def status(self) -> str:
        if self.deleted:
            return "DELETED"
        by_task = _STATUS.get(self.vm_state, {None: self.vm_state.upper()})
        return by_task.get(self.task_state, by_task[None])
