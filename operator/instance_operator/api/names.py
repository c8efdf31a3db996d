"""The wire names of the Instance API: group, kind, annotation keys, and the marks the operator
leaves on OpenStack servers.

They are part of the contract with users (annotations, finalizer) and with clouds (the server tag
that makes creation crash-safe), so they live in one place and never change casually.
"""

from __future__ import annotations

from enum import StrEnum

GROUP = "instance-operator.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "Instance"
PLURAL = "instances"
SINGULAR = "instance"
SHORT_NAMES = ["inst"]
CATEGORIES = ["openstack"]
CRD_NAME = f"{PLURAL}.{GROUP}"

PREFIX = f"{GROUP}/"
FINALIZER = f"{PREFIX}finalizer"
#: What the operator puts on the objects it needs to finalize Instances: their credentials Secret
#: and, with ``--role-binding``, the RoleBinding that grants its rights in the namespace. Deleting
#: the namespace then cannot take them away before the Instances' servers are deleted.
IN_USE_FINALIZER = f"{PREFIX}in-use"
#: ``"true"`` (exactly) keeps the Instance from being deleted: the chart's ValidatingAdmissionPolicy
#: refuses the DELETE, and where there is none (Kubernetes < 1.30, or the chart's
#: ``deletionProtection.enabled=false``) the operator's finalizer holds the Instance and its server.
DELETION_PROTECTION = f"{PREFIX}deletion-protection"

#: Where kopf keeps its own bookkeeping (the delete handler's progress). Not ``instance-operator.dev``:
#: kopf treats annotations under its storage prefix as its own, and the action annotations live
#: there.
KOPF_PREFIX = f"kopf.{GROUP}"

#: The tag put on every server the operator creates; followed by the Instance's metadata.uid.
#: Looking servers up by it before a create is what keeps one Instance from ever owning two servers.
SERVER_TAG_PREFIX = "iop-uid-"

#: Prefix of the metadata keys naming the Instance on its server. Nova rejects ``/`` in metadata
#: keys (400), so the key uses ``:`` where an annotation would use ``/``.
SERVER_METADATA_PREFIX = f"{GROUP}:"


class Action(StrEnum):
    """An imperative request a user makes by setting the annotation ``instance-operator.dev/<value>``.

    The annotation's value is a request token: each new token is carried out exactly once.
    """

    START = "start"
    STOP = "stop"
    REBOOT = "reboot"
    HARD_REBOOT = "hard-reboot"
    SNAPSHOT = "snapshot"

    @property
    def annotation(self) -> str:
        return f"{PREFIX}{self.value}"

    @property
    def status_key(self) -> str:
        """The action's key under ``status.actions`` (camelCase, as Kubernetes field names are)."""
        head, *rest = self.value.split("-")
        return head + "".join(part.capitalize() for part in rest)


def server_tag(uid: str) -> str:
    return f"{SERVER_TAG_PREFIX}{uid}"
