"""`status`: what the operator reports; written only by it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from instance_operator.api.models.limits import (
    MAX_SNAPSHOTS,
)


class _Status(BaseModel):
    """A part of `status`: written by the operator, so unknown fields from a newer operator are
    kept out of the way rather than refused."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# ------------------------------------------------------------------------------------------------
# Status


class Phase(StrEnum):
    """A one-word summary of the server, for `kubectl get`."""

    PENDING = "Pending"
    BUILDING = "Building"
    ACTIVE = "Active"
    STOPPED = "Stopped"
    REBOOTING = "Rebooting"
    RESIZING = "Resizing"
    ERROR = "Error"
    DELETING = "Deleting"
    LOST = "Lost"
    #: Nova cannot reach the server's cell (status UNKNOWN): nothing is changed until it can.
    UNKNOWN = "Unknown"


class PowerState(StrEnum):
    """Nova's `OS-EXT-STS:power_state`, by name."""

    NO_STATE = "NoState"
    RUNNING = "Running"
    PAUSED = "Paused"
    SHUTDOWN = "Shutdown"
    CRASHED = "Crashed"
    SUSPENDED = "Suspended"


class ActionResult(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class ConditionType(StrEnum):
    READY = "Ready"
    PROGRESSING = "Progressing"
    DEGRADED = "Degraded"
    #: kstatus (Flux, kpt, cli-utils) reads only these two "abnormal-true" conditions; they mirror
    #: Progressing and Degraded so that GitOps tools report progress and failure correctly.
    RECONCILING = "Reconciling"
    STALLED = "Stalled"
    #: Imported servers only: whether the server matches the fields the spec gives that Nova
    #: cannot change in place (image, key pair, availability zone, networks, server group).
    SPEC_MATCHED = "SpecMatched"


class Condition(_Status):
    type: ConditionType = Field(
        description=(
            "Ready, Progressing, Degraded, their kstatus mirrors Reconciling and Stalled, and for"
            " an imported server SpecMatched."
        )
    )
    status: Literal["True", "False", "Unknown"] = Field(description="True, False or Unknown.")
    reason: str = Field(
        max_length=1024, description="One CamelCase word saying why, stable for automation."
    )
    message: str = Field("", max_length=32768, description="What happened and what to do about it.")
    last_transition_time: datetime = Field(
        alias="lastTransitionTime", description="When the status last changed."
    )
    observed_generation: int | None = Field(
        None,
        alias="observedGeneration",
        ge=0,
        description="The metadata.generation this condition describes.",
    )


class Address(_Status):
    network: str = Field(description="Network name.")
    ip: str = Field(description="The address.")
    version: Literal[4, 6] = Field(description="IP version.")
    type: Literal["fixed", "floating"] | None = Field(None, description="fixed or floating.")
    mac: str | None = Field(None, description="MAC address of the interface.")


class Fault(_Status):
    code: int = Field(description="Nova's fault code (an HTTP-like status).")
    message: str = Field(description="Nova's fault message.")


class ActionStatus(_Status):
    token: str = Field(description="The annotation value this record is about.")
    result: ActionResult = Field(description="Pending, Running, Succeeded or Failed.")
    message: str = Field("", description="Details, e.g. Nova's refusal.")
    request_id: str | None = Field(
        None, alias="requestID", description="Nova's request ID for the call."
    )
    requested_at: datetime | None = Field(
        None, alias="requestedAt", description="When the token was first seen."
    )
    started_at: datetime | None = Field(
        None, alias="startedAt", description="When the call to Nova was made."
    )
    finished_at: datetime | None = Field(
        None, alias="finishedAt", description="When the result became final."
    )
    server_updated_at: datetime | None = Field(
        None,
        alias="serverUpdatedAt",
        description=(
            "The server's `updated` time (Nova's clock) just before the call. Nova logs the call"
            " later than this, which tells after an operator crash whether the call arrived."
        ),
    )


class ActionsStatus(_Status):
    """The last request of each action kind and its result."""

    start: ActionStatus | None = Field(
        None, description="The last `instance-operator.dev/start` request."
    )
    stop: ActionStatus | None = Field(
        None, description="The last `instance-operator.dev/stop` request."
    )
    reboot: ActionStatus | None = Field(
        None, description="The last `instance-operator.dev/reboot` request."
    )
    hard_reboot: ActionStatus | None = Field(
        None,
        alias="hardReboot",
        description="The last `instance-operator.dev/hard-reboot` request.",
    )
    snapshot: ActionStatus | None = Field(
        None, description="The last `instance-operator.dev/snapshot` request."
    )


class SnapshotStatus(_Status):
    token: str = Field(description="The snapshot request token.")
    image_id: str | None = Field(
        None, alias="imageID", description="Glance image ID of the snapshot."
    )
    image_name: str = Field(
        alias="imageName", description="Glance image name: `<serverName>-<token>`."
    )
    state: str = Field(description="Glance image status: queued, saving, active, killed, deleted.")
    created_at: datetime | None = Field(
        None, alias="createdAt", description="When the snapshot was requested."
    )


class InstanceStatus(_Status):
    """What the operator last observed. Written only by the operator."""

    server_id: str | None = Field(None, alias="serverID", description="ID of the Nova server.")
    server_name: str | None = Field(
        None, alias="serverName", description="Name of the Nova server."
    )
    phase: Phase | None = Field(None, description="Summary of the server's state.")
    server_status: str | None = Field(
        None, alias="serverStatus", description="Nova's own status (ACTIVE, SHUTOFF, BUILD, ...)."
    )
    power_state: PowerState | None = Field(
        None, alias="powerState", description="The hypervisor's power state."
    )
    task_state: str | None = Field(
        None,
        alias="taskState",
        description="Nova's task in progress (spawning, rebooting, ...), if any.",
    )
    addresses: list[Address] | None = Field(None, description="IP addresses, by network.")
    flavor_id: str | None = Field(None, alias="flavorID", description="ID of the server's flavor.")
    flavor_name: str | None = Field(
        None, alias="flavorName", description="Name of the server's flavor."
    )
    image_id: str | None = Field(
        None, alias="imageID", description="ID of the image the server booted from."
    )
    server_group_id: str | None = Field(
        None,
        alias="serverGroupID",
        description="ID of the Nova server group the server was booted in (spec.serverGroup).",
    )
    fault: Fault | None = Field(None, description="Nova's fault, while the server is in ERROR.")
    observed_generation: int | None = Field(
        None, alias="observedGeneration", ge=0, description="The metadata.generation last acted on."
    )
    spec_digests: dict[str, str] | None = Field(
        None,
        alias="specDigests",
        description=(
            "Digests of the immutable spec fields the server was created with. A field whose digest"
            " differs was changed after creation (which the API server normally refuses) and is"
            " reported as ImmutableFieldChanged, never applied."
        ),
    )
    conditions: list[Condition] | None = Field(
        None,
        description="Ready, Progressing, Degraded (and kstatus's Reconciling and Stalled).",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    actions: ActionsStatus | None = Field(None, description="Results of the annotation actions.")
    snapshots: list[SnapshotStatus] | None = Field(
        None,
        max_length=MAX_SNAPSHOTS,
        description=f"The last {MAX_SNAPSHOTS} snapshots, newest last.",
    )

    def wire(self) -> dict[str, Any]:
        """The status as the API stores it: wire names, no nulls (a field without a value is left
        out), so that equal statuses give equal dicts and a merge patch of their difference."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
