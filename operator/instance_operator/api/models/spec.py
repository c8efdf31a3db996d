"""`spec`: what the user asks for."""

from __future__ import annotations

import base64
import ipaddress
import re
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from instance_operator.api.models.cel import (
    _one_of,
    cel,
    exactly_one,
    immutable,
    required_unless,
)
from instance_operator.api.models.limits import (
    DNS_SUBDOMAIN_PATTERN,
    IP_PATTERN,
    MAX_METADATA_ITEMS,
    MAX_METADATA_LENGTH,
    MAX_NAME,
    MAX_NETWORKS,
    MAX_SECURITY_GROUPS,
    MAX_SERVER_NAME,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_USER_DATA_ENCODED,
    MAX_USER_DATA_RAW,
    METADATA_KEY_PATTERN,
    SECRET_KEY_PATTERN,
    SERVER_NAME_PATTERN,
    TAG_PATTERN,
    UUID_PATTERN,
)
from instance_operator.api.names import SERVER_METADATA_PREFIX, SERVER_TAG_PREFIX


class _Spec(BaseModel):
    """A part of `spec`: camelCase on the wire, unknown fields refused (Kubernetes drops them
    silently unless the client asks for strict field validation; the operator never does)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


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


class ServerGroupPolicy(StrEnum):
    ANTI_AFFINITY = "anti-affinity"
    AFFINITY = "affinity"
    SOFT_ANTI_AFFINITY = "soft-anti-affinity"
    SOFT_AFFINITY = "soft-affinity"


class ServerGroupCreate(_Spec):
    """A server group the operator creates for the Instances that name it, and deletes with the
    last of them."""

    name: Name = Field(
        description=(
            "Name of the group in the project. Every Instance of the project that gives the same"
            " name shares the one group: the first to boot creates it, the last to be deleted"
            " deletes it (once no server is left in it)."
        )
    )
    policy: ServerGroupPolicy = Field(
        description=(
            "`anti-affinity` (members on different hosts; a member that finds no free host fails),"
            " `affinity` (all on one host), or their `soft-` forms, which place as the policy says"
            " when they can and never fail."
        )
    )


class ServerGroupRef(_Spec):
    """The Nova server group to boot the server in: an existing one by name or by ID, or one the
    operator creates. The scheduler then places the server by the group's policy
    (anti-affinity keeps the members on different hosts)."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(
                    exactly_one("name", "id", "create"),
                    "serverGroup: set exactly one of name, id or create",
                )
            ]
        }
    )

    name: Name | None = Field(
        None, description="Server group name; must match exactly one group of the project."
    )
    id: str | None = Field(
        None, pattern=UUID_PATTERN, max_length=36, description="Server group ID (a UUID)."
    )

    create: ServerGroupCreate | None = Field(
        None,
        description=(
            "Have the operator create the group (if the project has none of that name) and delete"
            " it with the last Instance that names it."
        ),
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ServerGroupRef:
        _one_of(self, "serverGroup", "name", "id", "create")
        return self


class ImportFilter(_Spec):
    """Which existing server to adopt, by its exact name and, optionally, tags it must all have."""

    name: str = Field(
        min_length=1,
        max_length=MAX_SERVER_NAME,
        description=(
            "The server's exact name (compared exactly, case included; Nova's own name filter is"
            " a regular expression, so the operator anchors and escapes it)."
        ),
    )
    tags: list[Tag] | None = Field(
        None,
        max_length=MAX_TAGS,
        description="Tags the server must all have, to tell it from others of the same name.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )


class ImportRef(_Spec):
    """An existing server for this Instance to adopt instead of creating one."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                cel(exactly_one("id", "filter"), "import: set exactly one of id or filter")
            ]
        }
    )

    id: str | None = Field(
        None, pattern=UUID_PATTERN, max_length=36, description="The server's ID (a UUID)."
    )
    filter: ImportFilter | None = Field(
        None,
        description=(
            "Find the server by name (and tags): exactly one server must match, else the Instance"
            " reports ImportNotFound or ImportAmbiguous and looks again every few minutes."
        ),
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ImportRef:
        _one_of(self, "import", "id", "filter")
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


class ManagementPolicy(StrEnum):
    MANAGED = "Managed"
    UNMANAGED = "Unmanaged"


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
    "import",
    "image",
    "networks",
    "keyName",
    "availabilityZone",
    "userData",
    "cloudCredentialsRef",
    "serverGroup",
)


class InstanceSpec(_Spec):
    """The desired server. Fields that Nova cannot change in place are immutable."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                *(immutable(f) for f in IMMUTABLE_FIELDS),
                *(required_unless(field, "import") for field in ("flavor", "image")),
            ]
        }
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
    import_: ImportRef | None = Field(
        None,
        alias="import",
        description=(
            "Adopt an existing server instead of creating one: by `id`, or by `filter` (exact name"
            " and tags). The operator tags it as this Instance's and never creates a server for"
            " this Instance. With it, flavor and image are optional; fields given converge where"
            " Nova can change them in place, the others are compared and reported. Immutable."
        ),
    )
    management_policy: ManagementPolicy = Field(
        ManagementPolicy.MANAGED,
        alias="managementPolicy",
        description=(
            "`Managed`: the operator converges the server to the spec and carries out actions."
            " `Unmanaged`: it only observes and reports: it never changes, creates or deletes the"
            " server (deleting the Instance leaves the server as it is, whatever deletionPolicy"
            " says) and refuses actions. Switching to Managed starts convergence."
        ),
    )
    flavor: FlavorRef | None = Field(
        None,
        validate_default=True,
        description=(
            "Flavor of the server (required unless import is set). Changing it resizes the server."
        ),
    )
    image: ImageRef | None = Field(
        None,
        validate_default=True,
        description="Image to boot from (required unless import is set). Immutable.",
    )
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
    server_group: ServerGroupRef | None = Field(
        None,
        alias="serverGroup",
        description=(
            "Nova server group to boot in (the `group` scheduler hint), e.g. an anti-affinity"
            " group to keep the two halves of a pair on different hosts: an existing one, or one"
            " the operator creates and shares among the Instances that name it. Immutable."
        ),
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
    deletion_policy: DeletionPolicy | None = Field(
        None,
        alias="deletionPolicy",
        description=(
            "What deleting the Instance does to the server: `Delete` it, or `Orphan` it (leave it"
            " running, untagged). When unset: Delete for a server the operator created, Orphan for"
            " an imported one (spec.import), so a server the operator did not create is deleted"
            " only when asked explicitly. An Unmanaged Instance never deletes its server."
            " Switching to Orphan also releases an Instance whose cloud is unreachable."
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

    @field_validator("flavor", "image")
    @classmethod
    def _required_unless_imported(cls, value: object, info: ValidationInfo) -> object:
        # import is declared before both, so it has been validated already.
        if value is None and info.data.get("import_") is None:
            raise ValueError("required, unless import is set")
        return value

    @property
    def effective_deletion_policy(self) -> DeletionPolicy:
        return deletion_policy_for(
            self.deletion_policy,
            imported=self.import_ is not None,
            unmanaged=self.management_policy is ManagementPolicy.UNMANAGED,
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


def deletion_policy_for(
    given: DeletionPolicy | None, *, imported: bool, unmanaged: bool
) -> DeletionPolicy:
    """What deleting the Instance does: a server the operator did not create (imported) or may
    not touch (Unmanaged) is deleted only when asked explicitly, and never while Unmanaged."""
    if unmanaged:
        return DeletionPolicy.ORPHAN
    if given is not None:
        return given
    return DeletionPolicy.ORPHAN if imported else DeletionPolicy.DELETE
