"""The Instance API (``instance-operator.dev/v1alpha1``) as pydantic models: the source of truth.

The CRD in ``crds/instance.yaml``, the API reference and the operator's own validation all come
from these classes. Every constraint is therefore written twice on purpose, once for each enforcer,
and side by side: a JSON-schema keyword or CEL rule (``x-kubernetes-validations``) that the
Kubernetes API server applies on ``kubectl apply``, and a pydantic validator the operator applies to
what it reads (a cluster may run an older CRD). The tests evaluate both against the same table of
manifests, which keeps the pair from drifting.

The limits mirror Nova's, minus what the operator itself puts on each server (one tag, three
metadata items), so that a spec the API server accepts does not fail later in the cloud.

The modules: :mod:`.limits`, :mod:`.cel` (a constraint as a CEL rule), :mod:`.spec` and
:mod:`.status`; everything is importable from here.
"""

from __future__ import annotations

from instance_operator.api.models.cel import (
    cel,
    exactly_one,
    immutable,
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
    MAX_SNAPSHOTS,
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
from instance_operator.api.models.spec import (
    IMMUTABLE_FIELDS,
    CloudCredentialsRef,
    DeletionPolicy,
    FlavorRef,
    ImageRef,
    ImportFilter,
    ImportRef,
    InstanceSpec,
    ManagementPolicy,
    MetadataValue,
    Name,
    NetworkAttachment,
    PowerPolicy,
    SecretKeyRef,
    SecurityGroupName,
    ServerGroupCreate,
    ServerGroupPolicy,
    ServerGroupRef,
    Tag,
    UserData,
    check_user_data_size,
    deletion_policy_for,
)
from instance_operator.api.models.status import (
    ActionResult,
    ActionsStatus,
    ActionStatus,
    Address,
    Condition,
    ConditionType,
    Fault,
    InstanceStatus,
    Phase,
    PowerState,
    SnapshotStatus,
)

__all__ = [
    "DNS_SUBDOMAIN_PATTERN",
    "IMMUTABLE_FIELDS",
    "IP_PATTERN",
    "MAX_METADATA_ITEMS",
    "MAX_METADATA_LENGTH",
    "MAX_NAME",
    "MAX_NETWORKS",
    "MAX_SECURITY_GROUPS",
    "MAX_SERVER_NAME",
    "MAX_SNAPSHOTS",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "MAX_USER_DATA_ENCODED",
    "MAX_USER_DATA_RAW",
    "METADATA_KEY_PATTERN",
    "SECRET_KEY_PATTERN",
    "SERVER_NAME_PATTERN",
    "TAG_PATTERN",
    "UUID_PATTERN",
    "ActionResult",
    "ActionStatus",
    "ActionsStatus",
    "Address",
    "CloudCredentialsRef",
    "Condition",
    "ConditionType",
    "DeletionPolicy",
    "Fault",
    "FlavorRef",
    "ImageRef",
    "ImportFilter",
    "ImportRef",
    "InstanceSpec",
    "InstanceStatus",
    "ManagementPolicy",
    "MetadataValue",
    "Name",
    "NetworkAttachment",
    "Phase",
    "PowerPolicy",
    "PowerState",
    "SecretKeyRef",
    "SecurityGroupName",
    "ServerGroupCreate",
    "ServerGroupPolicy",
    "ServerGroupRef",
    "SnapshotStatus",
    "Tag",
    "UserData",
    "cel",
    "check_user_data_size",
    "deletion_policy_for",
    "exactly_one",
    "immutable",
]
