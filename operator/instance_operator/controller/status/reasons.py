"""The stable words the operator uses to explain itself: condition reasons and Event reasons.

Users automate on these (alerts on ``Degraded=True`` with reason ``QuotaExceeded``, ``kubectl get
events --field-selector reason=ServerLost``), so they are an API: one enum, documented in
docs/troubleshooting.md, never renamed casually.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    # The happy path and work in progress.
    READY = "Ready"
    CREATING = "Creating"
    BUILDING = "Building"
    UPDATING = "Updating"
    RESIZING = "Resizing"
    REBOOTING = "Rebooting"
    STARTING = "Starting"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    DELETING = "Deleting"
    RECONCILED = "Reconciled"
    HEALTHY = "Healthy"

    # Transient trouble: retried with backoff, shown as Progressing.
    TRANSIENT_ERROR = "TransientError"

    # The user must act: shown as Degraded, retried slowly, and at once when spec or Secret change.
    INVALID_SPEC = "InvalidSpec"
    IMMUTABLE_FIELD_CHANGED = "ImmutableFieldChanged"
    SECRET_NOT_FOUND = "SecretNotFound"
    SECRET_KEY_MISSING = "SecretKeyMissing"
    SECRET_BEING_DELETED = "SecretBeingDeleted"
    INVALID_CLOUDS_YAML = "InvalidCloudsYaml"
    AUTHENTICATION_FAILED = "AuthenticationFailed"
    PERMISSION_DENIED = "PermissionDenied"
    ENDPOINT_NOT_FOUND = "EndpointNotFound"
    FLAVOR_NOT_FOUND = "FlavorNotFound"
    IMAGE_NOT_FOUND = "ImageNotFound"
    NETWORK_NOT_FOUND = "NetworkNotFound"
    PORT_NOT_FOUND = "PortNotFound"
    KEYPAIR_NOT_FOUND = "KeypairNotFound"
    SECURITY_GROUP_NOT_FOUND = "SecurityGroupNotFound"
    SERVER_GROUP_NOT_FOUND = "ServerGroupNotFound"
    #: ``spec.serverGroup.create`` names a group the project has with another policy.
    GROUP_POLICY_MISMATCH = "GroupPolicyMismatch"
    AMBIGUOUS_NAME = "AmbiguousName"
    QUOTA_EXCEEDED = "QuotaExceeded"
    USER_DATA_TOO_LARGE = "UserDataTooLarge"
    REQUEST_REJECTED = "RequestRejected"
    #: A deletion held by the operator's finalizer: the Instance has the deletion-protection
    #: annotation and no admission policy refused the DELETE.
    DELETION_PROTECTED = "DeletionProtected"
    #: ``spec.import`` found no server, several, or one another Instance owns.
    IMPORT_NOT_FOUND = "ImportNotFound"
    IMPORT_AMBIGUOUS = "ImportAmbiguous"
    IMPORT_CONFLICT = "ImportConflict"
    #: ``managementPolicy: Unmanaged`` without a server to observe (no ``import``, none created).
    UNMANAGED_WITHOUT_SERVER = "UnmanagedWithoutServer"

    # The server itself is in trouble.
    SERVER_ERROR = "ServerError"
    SERVER_LOST = "ServerLost"
    SERVER_UNKNOWN = "ServerUnknown"

    # The SpecMatched condition of an imported server.
    SPEC_MATCHED = "SpecMatched"
    IMPORTED_SERVER_DIFFERS = "ImportedServerDiffers"

    # Event-only reasons: what happened to the server.
    CREATED = "Created"
    ADOPTED = "Adopted"
    STARTED = "Started"
    REBOOTED = "Rebooted"
    SNAPSHOT_CREATED = "SnapshotCreated"
    RESIZED = "Resized"
    UPDATED = "Updated"
    DELETED = "Deleted"
    ORPHANED = "Orphaned"
    ACTION_FAILED = "ActionFailed"
    ACTION_REFUSED = "ActionRefused"
