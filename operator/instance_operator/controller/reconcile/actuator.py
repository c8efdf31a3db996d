"""Everything the controller does *to* OpenStack for one Instance, and nothing else.

The contracts, after k-orc's actuators:

- Look for the server by its ``iop-uid-<uid>`` tag before creating one (adoption), so a create
  whose answer was lost, or an operator killed right after the call, never leads to a second server.
- Do nothing fallible between the create call and returning its ID: the caller records the ID.
- Delete and release are idempotent: a server already gone is success.
- Every call here runs on a worker thread; none of it may run on kopf's event loop.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from instance_operator.api.models import ImportRef, InstanceSpec, ServerGroupRef
from instance_operator.api.names import (
    SERVER_METADATA_PREFIX,
    SERVER_TAG_PREFIX,
    Action,
    server_tag,
)
from instance_operator.controller.actions.table import ACTIONS
from instance_operator.controller.kube import InstanceRef
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.reconcile.resolver import Resolver
from instance_operator.controller.status.phases import is_gone
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack import errors as os_errors
from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute import instance_actions, server_groups, servers
from instance_operator.openstack.compute.server_groups import ServerGroup
from instance_operator.openstack.image import images
from instance_operator.openstack.service import ServiceClient

log = logging.getLogger(__name__)


def owned_metadata(ref: InstanceRef) -> dict[str, str]:
    """The metadata that names the Instance on its server (for people looking at the cloud)."""
    return {
        f"{SERVER_METADATA_PREFIX}namespace": ref.namespace,
        f"{SERVER_METADATA_PREFIX}name": ref.name,
        f"{SERVER_METADATA_PREFIX}uid": ref.uid,
    }


def desired_metadata(
    spec: InstanceSpec, ref: InstanceRef, server: Observed | None = None
) -> dict[str, str]:
    """The spec's metadata and the operator's. An imported ``server`` keeps its own metadata
    unless the spec gives some: what the spec does not name is not the operator's to remove."""
    own = server.metadata if server is not None and spec.import_ is not None else {}
    wanted = spec.metadata if spec.metadata is not None else own
    return {**wanted, **owned_metadata(ref)}


def desired_tags(spec: InstanceSpec, uid: str, server: Observed | None = None) -> list[str]:
    """The spec's tags and the Instance's; an imported ``server`` keeps its own tags unless the
    spec gives some (another Instance's stale ``iop-uid-`` tag goes either way)."""
    own = server.tags if server is not None and spec.import_ is not None else ()
    wanted = spec.tags if spec.tags is not None else own
    return sorted({*(t for t in wanted if not t.startswith(SERVER_TAG_PREFIX)), server_tag(uid)})


@dataclass(frozen=True)
class Call:
    """What Nova answered to an action: its request ID (the key to ``os-instance-actions``)."""

    request_id: str | None
    image_id: str | None = None


class Actuator:
    def __init__(self, cloud: Cloud, resolver: Resolver) -> None:
        self._cloud = cloud
        self.resolver = resolver
        #: Held while a group the spec asks for is looked up and maybe created.
        self._group_lock = threading.Lock()

    @property
    def _compute(self) -> ServiceClient:
        return self._cloud.compute

    # --- finding ---------------------------------------------------------------------------------

    def find_tagged(self, tags: Sequence[str], seen_at: float) -> list[Observed]:
        """The live servers having any of ``tags``, asked of Nova now (never from a cache)."""
        found = servers.list_detail(self._compute, servers.ListOpts(tags_any=list(tags)))
        return [Observed.from_server(s, seen_at) for s in found if not is_gone(s.status)]

    def get(self, server_id: str, seen_at: float) -> Observed | None:
        try:
            return Observed.from_server(servers.get(self._compute, server_id), seen_at)
        except os_errors.NotFound:
            return None

    def find_import(self, ref: ImportRef, seen_at: float) -> list[Observed]:
        """The live servers ``spec.import`` names, asked of Nova now: by ID, or by exact name
        (Nova matches a pattern, maybe ignoring case: the names are compared here) and tags."""
        if ref.id is not None:
            found = self.get(ref.id, seen_at)
            return [found] if found is not None and not is_gone(found.status) else []
        assert ref.filter is not None
        wanted = ref.filter
        opts = servers.ListOpts(name=servers.exact_name(wanted.name), tags=wanted.tags or [])
        return [
            Observed.from_server(s, seen_at)
            for s in servers.list_detail(self._compute, opts)
            if s.name == wanted.name
            and set(wanted.tags or ()) <= set(s.tags or ())
            and not is_gone(s.status)
        ]

    def claim(self, server_id: str, uid: str) -> None:
        """Tag an adopted server as the Instance's: from now on it is found like a created one."""
        accepted = servers.add_tag(self._compute, server_id, server_tag(uid))
        _called(f"Tagged server {server_id} as this Instance's", accepted.request_id)

    # --- creating --------------------------------------------------------------------------------

    def create(
        self, ref: InstanceRef, spec: InstanceSpec, *, name: str, user_data: bytes | None
    ) -> servers.CreatedServer:
        """Resolve the spec's names, then create; returns Nova's answer (the ID, the request ID).
        Resolution errors (unknown flavor...) are raised before anything is created."""
        if spec.flavor is None or spec.image is None:  # only an imported Instance goes without
            raise ValueError("an Instance without flavor and image cannot create a server")
        flavor = self.resolver.flavor(spec.flavor)
        image_id = self.resolver.image_id(spec.image)
        networks = self.resolver.networks(spec.networks) if spec.networks else "none"
        if spec.key_name is not None:
            self.resolver.check_keypair(spec.key_name)
        groups = [self.resolver.security_group_id(g) for g in spec.security_groups or []]
        hints = {}
        if spec.server_group is not None:
            hints["group"] = self.server_group(spec.server_group).id
        opts = servers.CreateOpts(
            name=name,
            flavor_ref=flavor.id,
            image_ref=image_id,
            networks=networks,
            key_name=spec.key_name,
            security_groups=groups,
            availability_zone=spec.availability_zone,
            user_data=user_data,
            metadata=desired_metadata(spec, ref),
            tags=desired_tags(spec, ref.uid),
            scheduler_hints=hints,
        )
        return servers.create(self._compute, opts)

    def server_group(self, ref: ServerGroupRef) -> ServerGroup:
        """The group to boot in. One the spec asks to create is made by the first Instance that
        boots in it (one at a time in this process, so Instances created together share one);
        a group of that name made otherwise is used if its policy is the one asked for."""
        wanted = ref.create
        if wanted is None:
            return self.resolver.server_group(ref)
        with self._group_lock:
            try:
                group = self.resolver.server_group(ref)
            except UserError as exc:
                if exc.reason is not Reason.SERVER_GROUP_NOT_FOUND:
                    raise
                group = server_groups.create(self._compute, wanted.name, wanted.policy.value)
                self.resolver.forget_server_group(wanted.name)
                _called(f"Created server group {wanted.name} ({group.id})", group.request_id)
        if group.effective_policy != wanted.policy.value:
            raise UserError(
                Reason.GROUP_POLICY_MISMATCH,
                f"spec.serverGroup.create: the project's server group {group.name} ({group.id})"
                f" has policy {group.effective_policy}, not {wanted.policy.value}. Give the group"
                " another name (a new Instance: serverGroup is immutable), or delete that group.",
            )
        return group

    def drop_server_group(self, name: str) -> bool:
        """Delete the group of that name if no server is left in it; whether it was deleted.
        Asked of Nova now: a cached member list could delete a group a server just joined."""
        try:
            group = server_groups.find(self._compute, name)
        except (os_errors.NoMatch, os_errors.MultipleMatches):
            return False  # gone already, or several: not ours to choose from
        if group.members:
            return False
        with contextlib.suppress(os_errors.NotFound):
            deleted = server_groups.delete(self._compute, group.id)
            _called(f"Deleted server group {name} ({group.id})", deleted.request_id)
        self.resolver.forget_server_group(name)
        return True

    # --- converging in place ---------------------------------------------------------------------

    def converge(
        self, ref: InstanceRef, spec: InstanceSpec, server: Observed, *, name: str | None
    ) -> list[str]:
        """Apply the mutable fields that differ; returns what changed, for the Event. ``name``
        None keeps the server's name (an imported server without ``serverName``)."""
        changed = []
        if name is not None and server.name != name:
            servers.update_name(self._compute, server.id, name)
            changed.append(f"name to {name!r}")
        wanted_metadata = desired_metadata(spec, ref, server)
        if server.metadata != wanted_metadata:
            servers.replace_metadata(self._compute, server.id, wanted_metadata)
            changed.append("metadata")
        wanted_tags = desired_tags(spec, ref.uid, server)
        if sorted(server.tags) != wanted_tags:
            servers.replace_tags(self._compute, server.id, wanted_tags)
            changed.append("tags")
        if spec.security_groups is not None and set(server.security_groups) != set(
            spec.security_groups
        ):
            self._security_groups(server, spec.security_groups)
            changed.append("security groups")
        return changed

    def _security_groups(self, server: Observed, wanted: list[str]) -> None:
        for name in sorted(set(wanted) - set(server.security_groups)):
            servers.add_security_group(
                self._compute, server.id, self.resolver.security_group_id(name)
            )
        for name in sorted(set(server.security_groups) - set(wanted)):
            servers.remove_security_group(self._compute, server.id, name)

    def resize(self, server_id: str, flavor_id: str) -> None:
        accepted = servers.resize(self._compute, server_id, flavor_id)
        _called(f"Resizing server {server_id} to flavor {flavor_id}", accepted.request_id)

    def confirm_resize(self, server_id: str) -> None:
        accepted = servers.confirm_resize(self._compute, server_id)
        _called(f"Confirming the resize of server {server_id}", accepted.request_id)

    # --- actions ---------------------------------------------------------------------------------

    def act(self, action: Action, server_id: str) -> Call:
        """A plain action: its call from the action table."""
        send = ACTIONS[action].send
        if send is None:
            raise ValueError(f"{action.value} has a call of its own, not a plain action")
        call = Call(send(self._compute, server_id).request_id)
        _called(f"Asked Nova to {action.value} server {server_id}", call.request_id)
        return call

    def snapshot(self, server_id: str, image_name: str, ref: InstanceRef) -> Call:
        """``createImage``; the image carries the Instance's ownership metadata."""
        created = servers.create_image(self._compute, server_id, image_name, owned_metadata(ref))
        _called(f"Asked Nova to snapshot server {server_id}", created.request_id)
        return Call(created.request_id, created.image_id)

    def arrived(self, action: Action, server_id: str, *, since: datetime) -> str | None:
        """The request ID of a call of this kind that Nova logged after ``since`` (Nova's clock),
        or None: the question an operator asks after dying around a call."""
        wanted = ACTIONS[action].nova_name
        for logged in instance_actions.list_actions(self._compute, server_id, changes_since=since):
            if logged.action == wanted and logged.start_time >= since:
                return logged.action_request_id
        return None

    def find_image(self, name: str) -> str | None:
        try:
            return images.find(self._cloud.image, name).id
        except os_errors.NoMatch:
            return None

    def image_status(self, image_id: str) -> str | None:
        try:
            return images.get(self._cloud.image, image_id).status
        except os_errors.NotFound:
            return None

    # --- deleting --------------------------------------------------------------------------------

    def delete(self, server_id: str) -> None:
        with contextlib.suppress(os_errors.NotFound):
            accepted = servers.delete(self._compute, server_id)
            _called(f"Deleting server {server_id}", accepted.request_id)

    def release(self, ref: InstanceRef, server: Observed) -> None:
        """Orphan: take the operator's tag and metadata off, leave the server running."""
        ours = [t for t in server.tags if t.startswith(SERVER_TAG_PREFIX)]
        try:
            for tag in ours:
                servers.delete_tag(self._compute, server.id, tag)
            for key in owned_metadata(ref):
                if key in server.metadata:
                    servers.delete_metadata_item(self._compute, server.id, key)
        except os_errors.NotFound:
            pass


def _called(what: str, request_id: str | None) -> None:
    """One line per call that changes a server, with Nova's request ID to find it in Nova's logs."""
    log.info("%s [%s]", what, request_id or "no request ID", extra={"request_id": request_id})
