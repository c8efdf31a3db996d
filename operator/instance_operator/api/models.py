"""The Instance API (``instance-operator.dev/v1alpha1``) as pydantic models: the source of truth.

The CRD in ``crds/instance.yaml``, the API reference and the operator's own validation all come
from these classes. Every constraint is therefore written twice on purpose, once for each enforcer,
and side by side: a JSON-schema keyword or CEL rule (``x-kubernetes-validations``) that the
Kubernetes API server applies on ``kubectl apply``, and a pydantic validator the operator applies to
what it reads (a cluster may run an older CRD). The tests evaluate both against the same table of
manifests, which keeps the pair from drifting.

The limits mirror Nova's, minus what the operator itself puts on each server (one tag, three
metadata items), so that a spec the API server accepts does not fail later in the cloud.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from instance_operator.api.names import SERVER_METADATA_PREFIX, SERVER_TAG_PREFIX

# ------------------------------------------------------------------------------------------------
# Limits (Nova's, see the module docstring)

#: Nova allows 50 tags per server; the operator adds one (``iop-uid-<uid>``).
MAX_TAGS = 49
MAX_TAG_LENGTH = 60
#: Nova's default ``metadata_items`` quota is 128; the operator adds three items.
MAX_METADATA_ITEMS = 125
MAX_METADATA_LENGTH = 255
#: Nova's metadata key rule. A ``/`` makes a real Nova answer 400.
METADATA_KEY_PATTERN = r"^[a-zA-Z0-9_:. -]{1,255}$"
MAX_SERVER_NAME = 255
#: Nova accepts at most 65535 bytes of base64-encoded user data.
MAX_USER_DATA_ENCODED = 65535
#: The longest raw user data whose base64 encoding fits: 4 * ceil(n / 3) <= 65535.
MAX_USER_DATA_RAW = (MAX_USER_DATA_ENCODED // 4) * 3
MAX_NETWORKS = 16
MAX_SECURITY_GROUPS = 32
MAX_SNAPSHOTS = 10
MAX_NAME = 255

DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"  # noqa: S105 (a pattern, not a secret)
UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
#: No leading or trailing white space, as Nova requires of server names.
SERVER_NAME_PATTERN = r"^\S(.*\S)?$"
#: Nova's tag rule: no ``/`` and no ``,``.
TAG_PATTERN = r"^[^/,]+$"
#: A dotted IPv4 address, or something made of IPv6 characters with a colon; pydantic then checks
#: the address exactly. (The API server's regular expressions are RE2: no look-ahead.)
IP_PATTERN = (
    r"^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"|[0-9a-fA-F]*:[0-9a-fA-F:.]*)$"
)


def cel(rule: str, message: str, field_path: str | None = None) -> JsonDict:
    """One ``x-kubernetes-validations`` entry. ``fieldPath`` makes the API server's error name
    the field instead of the object holding the rule (Kubernetes 1.28+)."""
    entry: JsonDict = {"rule": rule, "message": message}
    if field_path is not None:
        entry["fieldPath"] = field_path
    return entry


def exactly_one(*fields: str) -> str:
    """The CEL form of "exactly one of these optional fields is set"."""
    return "[" + ", ".join(f"has(self.{f})" for f in fields) + "].filter(x, x).size() == 1"


def immutable(field: str) -> JsonDict:
    """A spec-level transition rule: the field may be neither changed nor added nor removed.

    A rule on the field itself would miss adding or removing an optional field, because the API
    server runs transition rules only where both the old and the new object have the field.
    """
    rule = (
        f"has(self.{field}) == has(oldSelf.{field})"
        f" && (!has(self.{field}) || self.{field} == oldSelf.{field})"
    )
    return cel(rule, f"{field} is immutable: create a new Instance to change it", f".{field}")


def _one_of(model: BaseModel, kind: str, *fields: str) -> None:
    given = [f for f in fields if getattr(model, f) is not None]
    if len(given) != 1:
        names = " or ".join(_wire_name(type(model), f) for f in fields)
        raise ValueError(f"{kind}: set exactly one of {names}")


def _wire_name(model: type[BaseModel], field: str) -> str:
    info = model.model_fields[field]
    return info.alias or field


class _Spec(BaseModel):
    """A part of `spec`: camelCase on the wire, unknown fields refused (Kubernetes drops them
    silently unless the client asks for strict field validation; the operator never does)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class _Status(BaseModel):
    """A part of `status`: written by the operator, so unknown fields from a newer operator are
    kept out of the way rather than refused."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]


# ------------------------------------------------------------------------------------------------
# Spec


class CloudCredentialsRef(_Spec):
    """Where the OpenStack credentials are: a `clouds.yaml` in a Secret of the Instance's own
    namespace. There is deliberately no namespace field: an Instance can never read another
    namespace's Secret."""

    secret_name: str = Field(
        alias="secretName",
        min_length=1,
        max_length=253,
        pattern=DNS_SUBDOMAIN_PATTERN,
        description=(
            "Name of a Secret in the Instance's namespace with the key `clouds.yaml` holding a"
            " standard OpenStack clouds.yaml."
        ),
    )
    cloud_name: str = Field(
        alias="cloudName",
        min_length=1,
        max_length=MAX_NAME,
        description="Which entry under `clouds:` in that clouds.yaml to use.",
    )


class FlavorRef(_Spec):
    """The flavor (size) of the server, by name or by ID."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(exactly_one("name", "id"), "flavor: set exactly one of name or id")
            ]
        }
    )

    name: Name | None = Field(
        None, description="Flavor name, e.g. `m1.small`; must match exactly one flavor."
    )
    id: Name | None = Field(None, description="Flavor ID as Nova reports it.")

    @model_validator(mode="after")
    def _exactly_one(self) -> FlavorRef:
        _one_of(self, "flavor", "name", "id")
        return self


class ImageRef(_Spec):
    """The image to boot from, by name or by ID."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(exactly_one("name", "id"), "image: set exactly one of name or id")
            ]
        }
    )

    name: Name | None = Field(None, description="Glance image name; must match exactly one image.")
    id: str | None = Field(
        None, pattern=UUID_PATTERN, max_length=36, description="Glance image ID (a UUID)."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ImageRef:
        _one_of(self, "image", "name", "id")
        return self


class NetworkAttachment(_Spec):
    """One network interface: a network (by name or ID, optionally with a fixed IP) or an existing
    Neutron port."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(
                    exactly_one("name", "id", "portID"),
                    "networks[]: set exactly one of name, id or portID",
                ),
                cel(
                    "!has(self.fixedIP) || !has(self.portID)",
                    "networks[].fixedIP cannot be combined with portID: the port already has its addresses",
                    ".fixedIP",
                ),
            ]
        }
    )

    name: Name | None = Field(
        None, description="Neutron network name; must match exactly one network."
    )
    id: str | None = Field(
        None, pattern=UUID_PATTERN, max_length=36, description="Neutron network ID."
    )
    port_id: str | None = Field(
        None,
        alias="portID",
        pattern=UUID_PATTERN,
        max_length=36,
        description="ID of an existing Neutron port to attach instead of a network.",
    )
    fixed_ip: str | None = Field(
        None,
        alias="fixedIP",
        max_length=45,
        pattern=IP_PATTERN,
        description="A fixed IPv4 or IPv6 address to request on this network.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> NetworkAttachment:
        _one_of(self, "networks[]", "name", "id", "port_id")
        return self

    @field_validator("fixed_ip")
    @classmethod
    def _is_ip_without_port(cls, value: str | None, info: ValidationInfo) -> str | None:
        # port_id is declared before fixed_ip, so it has been validated already.
        if value is not None:
            if info.data.get("port_id") is not None:
                raise ValueError(
                    "cannot be combined with portID: the port already has its addresses"
                )
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None
        return value


class SecretKeyRef(_Spec):
    """A key in a Secret of the Instance's namespace."""

    name: str = Field(
        min_length=1, max_length=253, pattern=DNS_SUBDOMAIN_PATTERN, description="Secret name."
    )
    key: str = Field(
        min_length=1,
        max_length=253,
        pattern=SECRET_KEY_PATTERN,
        description="Key within the Secret.",
    )


class UserData(_Spec):
    """Cloud-init (or other) user data, inline or from a Secret. Nova limits it to 64 KiB once
    base64-encoded, i.e. about 48 KiB of raw data."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(
                    exactly_one("inline", "secretRef"),
                    "userData: set exactly one of inline or secretRef",
                ),
                # maxLength counts characters; Nova counts the bytes (base64-encoded).
                cel(
                    f"!has(self.inline) || size(bytes(self.inline)) <= {MAX_USER_DATA_RAW}",
                    f"userData.inline must be at most {MAX_USER_DATA_RAW} bytes in UTF-8 (Nova"
                    f" accepts {MAX_USER_DATA_ENCODED} once base64-encoded)",
                    ".inline",
                ),
            ]
        }
    )

    inline: str | None = Field(
        None,
        max_length=MAX_USER_DATA_RAW,
        description=f"The user data itself (at most {MAX_USER_DATA_RAW} bytes).",
    )
    secret_ref: SecretKeyRef | None = Field(
        None,
        alias="secretRef",
        description="Read the user data from this Secret key (for data holding credentials).",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> UserData:
        _one_of(self, "userData", "inline", "secret_ref")
        if self.inline is not None:
            check_user_data_size(self.inline.encode())
        return self


def check_user_data_size(raw: bytes) -> None:
    """Nova counts the base64 form; refuse here what it would refuse later."""
    encoded = len(base64.b64encode(raw))
    if encoded > MAX_USER_DATA_ENCODED:
        raise ValueError(
            f"userData is {encoded} bytes once base64-encoded; Nova accepts at most {MAX_USER_DATA_ENCODED}"
        )


class DeletionPolicy(StrEnum):
    DELETE = "Delete"
    ORPHAN = "Orphan"


class PowerPolicy(StrEnum):
    MANUAL = "Manual"
    RUNNING = "Running"
    STOPPED = "Stopped"


Tag = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TAG_LENGTH, pattern=TAG_PATTERN)
]
SecurityGroupName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
MetadataValue = Annotated[str, StringConstraints(max_length=MAX_METADATA_LENGTH)]

IMMUTABLE_FIELDS = (
    "image",
    "networks",
    "keyName",
    "availabilityZone",
    "userData",
    "cloudCredentialsRef",
)


class InstanceSpec(_Spec):
    """The desired server. Fields that Nova cannot change in place are immutable."""

    model_config = ConfigDict(
        json_schema_extra={"x-kubernetes-validations": [immutable(f) for f in IMMUTABLE_FIELDS]}
    )

    cloud_credentials_ref: CloudCredentialsRef = Field(
        alias="cloudCredentialsRef",
        description="The clouds.yaml Secret (same namespace) and cloud to use. Immutable.",
    )
    server_name: str | None = Field(
        None,
        alias="serverName",
        min_length=1,
        max_length=MAX_SERVER_NAME,
        pattern=SERVER_NAME_PATTERN,
        description="Name of the Nova server. Defaults to `<namespace>-<name>`. Can be changed in place.",
    )
    flavor: FlavorRef = Field(description="Flavor of the server. Changing it resizes the server.")
    image: ImageRef = Field(description="Image to boot from. Immutable.")
    networks: list[NetworkAttachment] | None = Field(
        None,
        max_length=MAX_NETWORKS,
        description=(
            "Network interfaces, in order. Omit (or leave empty) for a server without network"
            " interfaces. Immutable."
        ),
    )
    key_name: Name | None = Field(
        None, alias="keyName", description="Nova keypair to inject. Immutable."
    )
    security_groups: list[SecurityGroupName] | None = Field(
        None,
        alias="securityGroups",
        max_length=MAX_SECURITY_GROUPS,
        description="Security group names. Omit for the project's `default` group. Can be changed in place.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    availability_zone: Name | None = Field(
        None, alias="availabilityZone", description="Availability zone to boot in. Immutable."
    )
    user_data: UserData | None = Field(
        None, alias="userData", description="User data for cloud-init. Immutable."
    )
    metadata: dict[str, MetadataValue] | None = Field(
        None,
        max_length=MAX_METADATA_ITEMS,
        description=(
            f"Nova server metadata (at most {MAX_METADATA_ITEMS} items; keys match"
            f" `{METADATA_KEY_PATTERN}`, values at most {MAX_METADATA_LENGTH} characters). Keys starting"
            f" with `{SERVER_METADATA_PREFIX}` are reserved. Can be changed in place."
        ),
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(
                    f"self.all(k, k.matches('{METADATA_KEY_PATTERN}'))",
                    "metadata keys must be 1-255 characters of letters, digits, '-', '_', ':', '.' and"
                    " spaces (Nova refuses '/')",
                ),
                cel(
                    f"self.all(k, !k.startsWith('{SERVER_METADATA_PREFIX}'))",
                    f"metadata keys starting with '{SERVER_METADATA_PREFIX}' are reserved for the operator",
                ),
            ]
        },
    )
    tags: list[Tag] | None = Field(
        None,
        max_length=MAX_TAGS,
        description=(
            f"Nova server tags (at most {MAX_TAGS}: Nova allows 50 and the operator uses one; each 1-60"
            f" characters without '/' or ','). Tags starting with `{SERVER_TAG_PREFIX}` are reserved."
            " Can be changed in place."
        ),
        json_schema_extra={
            "x-kubernetes-list-type": "set",
            "x-kubernetes-validations": [
                cel(
                    f"self.all(t, !t.startsWith('{SERVER_TAG_PREFIX}'))",
                    f"tags starting with '{SERVER_TAG_PREFIX}' are reserved for the operator",
                )
            ],
        },
    )
    deletion_policy: DeletionPolicy = Field(
        DeletionPolicy.DELETE,
        alias="deletionPolicy",
        description=(
            "What deleting the Instance does to the server: `Delete` it, or `Orphan` it (leave it"
            " running, untagged). Switching to Orphan also releases an Instance whose cloud is unreachable."
        ),
    )
    power_state: PowerPolicy = Field(
        PowerPolicy.MANUAL,
        alias="powerState",
        description=(
            "`Manual`: power follows the start/stop annotations and the guest. `Running` / `Stopped`:"
            " the operator keeps the server so (for GitOps); start/stop annotations are then refused."
        ),
    )

    @field_validator("metadata")
    @classmethod
    def _metadata_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key in value or {}:
            if not re.fullmatch(METADATA_KEY_PATTERN, key):
                raise ValueError(
                    f"metadata key {key!r} must be 1-255 characters of letters, digits, '-', '_', ':', '.'"
                    " and spaces (Nova refuses '/')"
                )
            if key.startswith(SERVER_METADATA_PREFIX):
                raise ValueError(
                    f"metadata key {key!r}: the prefix {SERVER_METADATA_PREFIX!r} is reserved"
                )
        return value

    @field_validator("tags", "security_groups")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("entries must be unique")
        return value

    @field_validator("tags")
    @classmethod
    def _tags_not_reserved(cls, value: list[str] | None) -> list[str] | None:
        for tag in value or []:
            if tag.startswith(SERVER_TAG_PREFIX):
                raise ValueError(f"tag {tag!r}: the prefix {SERVER_TAG_PREFIX!r} is reserved")
        return value


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


class Condition(_Status):
    type: ConditionType = Field(
        description="Ready, Progressing, Degraded, or their kstatus mirrors."
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


# ------------------------------------------------------------------------------------------------
# The object


class ObjectMeta(BaseModel):
    """The parts of `metadata` the operator reads."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str
    namespace: str = "default"
    uid: str | None = None
    generation: int | None = None
    resource_version: str | None = Field(None, alias="resourceVersion")
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)
    deletion_timestamp: datetime | None = Field(None, alias="deletionTimestamp")


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    api_version: Literal["instance-operator.dev/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["Instance"]
    metadata: ObjectMeta
    spec: InstanceSpec
    status: InstanceStatus | None = None
