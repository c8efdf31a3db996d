"""Adopting a server the operator did not create (``spec.import``), and comparing it with the spec.

Adoption finds exactly one live server (none or several is a problem the user fixes, looked at
again every few minutes), refuses one that another living Instance owns, and, when Managed, tags
it ``iop-uid-<uid>`` before the status names it: from then on a crash, the watcher and the
finalizer find it exactly as they find a created server. An Unmanaged Instance does not tag (it
writes nothing to Nova): the watcher follows the server by its ID, which the status records.

Nothing is ever recreated to match the spec. The fields Nova can change in place converge like a
created server's (reconciler); the others are compared here and shown in the ``SpecMatched``
condition.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from kubernetes.client.exceptions import ApiException

from instance_operator.api.models import InstanceSpec, ManagementPolicy
from instance_operator.api.names import SERVER_METADATA_PREFIX, SERVER_TAG_PREFIX, server_tag
from instance_operator.controller.kube import InstanceRef, Kube
from instance_operator.controller.observe.observed import Observed
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.reconcile.immutability import spec_digests
from instance_operator.controller.reconcile.pass_state import Pass
from instance_operator.controller.reconcile.resolver import Resolver
from instance_operator.controller.registry import Registry
from instance_operator.controller.status.conditions import Problem
from instance_operator.controller.status.reasons import Reason


class Adoption:
    def __init__(self, registry: Registry, kube: Kube, *, clock: Callable[[], float]) -> None:
        self._registry = registry
        self._kube = kube
        self._clock = clock

    def adopt(self, p: Pass, spec: InstanceSpec, actuator: Actuator) -> Observed | None:
        """The server ``spec.import`` names, now this Instance's; or None, with the problem set."""
        assert spec.import_ is not None
        found = actuator.find_import(spec.import_, self._clock())
        wanted = _describe_import(spec)
        if not found:
            p.problem = Problem(
                Reason.IMPORT_NOT_FOUND,
                f"No live server matches spec.import ({wanted}); looking again every few minutes."
                " Check the ID or name and that spec.cloudCredentialsRef names the server's project.",
                transient=False,
            )
            return None
        if len(found) > 1:
            ids = ", ".join(sorted(s.id for s in found))
            p.problem = Problem(
                Reason.IMPORT_AMBIGUOUS,
                f"{len(found)} servers match spec.import ({wanted}): {ids}. Import by id, or add"
                " tags to spec.import.filter that only one of them has.",
                transient=False,
            )
            return None
        server = found[0]
        owner = self._owner(p.uid, server)
        if owner is not None:
            p.problem = Problem(
                Reason.IMPORT_CONFLICT,
                f"Server {server.name} ({server.id}) belongs to Instance {owner}; a server is never"
                " shared between two Instances. Delete that Instance with deletionPolicy Orphan"
                " first, or import another server.",
                transient=False,
            )
            return None
        managed = spec.management_policy is ManagementPolicy.MANAGED
        if managed:
            actuator.claim(server.id, p.uid)
            server = dataclasses.replace(server, tags=(*server.tags, server_tag(p.uid)))
        p.status.server_id = server.id
        p.status.spec_digests = spec_digests(dict(p.view.spec))
        how = "tagged it as this Instance's" if managed else "observing only (Unmanaged)"
        p.event("Normal", Reason.ADOPTED, f"Imported server {server.name} ({server.id}); {how}.")
        return server

    def _owner(self, uid: str, server: Observed) -> str | None:
        """Another living Instance that owns ``server`` (``namespace/name``), or None. Ownership
        is the ``iop-uid-`` tag (asked of the cluster when this operator does not know the
        Instance, e.g. another namespace's), or an Instance already following it untagged
        (Unmanaged); claiming it for ``uid`` here is atomic with that second check."""
        for tag in server.tags:
            other = tag.removeprefix(SERVER_TAG_PREFIX)
            if tag.startswith(SERVER_TAG_PREFIX) and other != uid:
                living = self._living(other, server)
                if living is not None:
                    return living
        follower = self._registry.claim_server(uid, server.id)
        if follower is None:
            return None
        view = self._registry.get(follower)
        return str(view.ref) if view is not None else None

    def _living(self, uid: str, server: Observed) -> str | None:
        view = self._registry.get(uid)
        if view is not None:
            return str(view.ref)
        namespace = server.metadata.get(f"{SERVER_METADATA_PREFIX}namespace")
        name = server.metadata.get(f"{SERVER_METADATA_PREFIX}name")
        if not namespace or not name:
            return None
        try:
            body = self._kube.get_instance(InstanceRef(namespace, name, uid))
        except ApiException as exc:
            if exc.status == 403:  # outside this operator's namespaces: taken as living
                return f"{namespace}/{name} (which this operator may not read)"
            raise
        if body is None or body.get("metadata", {}).get("uid") != uid:
            return None  # a stale tag: its Instance is gone
        return f"{namespace}/{name}"


def differences(spec: InstanceSpec, server: Observed, resolver: Resolver) -> tuple[str, ...]:
    """Where an imported server differs from what the spec gives for the fields Nova cannot change
    in place. Networks given by name are compared (by ID or port are not: Nova shows networks by
    name only), and user data never is (Nova shows it to admins only)."""
    out = []
    if spec.image is not None:
        wanted = spec.image.id or _image_id(resolver, spec)
        if server.image_id != wanted:
            given = spec.image.id or spec.image.name
            out.append(
                f"image (spec: {given}, server: {server.image_id or 'none: boots from a volume'})"
            )
    if spec.key_name is not None and server.key_name != spec.key_name:
        out.append(f"keyName (spec: {spec.key_name}, server: {server.key_name or 'none'})")
    if spec.availability_zone is not None and server.availability_zone != spec.availability_zone:
        out.append(
            f"availabilityZone (spec: {spec.availability_zone},"
            f" server: {server.availability_zone or 'unknown'})"
        )
    if spec.networks is not None:
        on = {a.network for a in server.addresses}
        named = [n.name for n in spec.networks if n.name is not None]
        missing = [n for n in named if n not in on]
        if missing or (not spec.networks and on):
            out.append(
                f"networks (spec: {', '.join(named) or 'none'}, server: {', '.join(sorted(on)) or 'none'})"
            )
    if spec.server_group is not None and server.server_groups is not None:
        ref = spec.server_group
        try:
            group_id: str | None = resolver.server_group(ref).id
        except UserError:
            group_id = None  # a group Nova does not have: the server cannot be in it
        if group_id is None or group_id not in server.server_groups:
            out.append(
                f"serverGroup (spec: {ref.name or ref.id},"
                f" server: {', '.join(server.server_groups) or 'none'})"
            )
    return tuple(out)


def _image_id(resolver: Resolver, spec: InstanceSpec) -> str | None:
    assert spec.image is not None
    try:
        return resolver.image_id(spec.image)
    except UserError:
        return None  # an image named in the spec that Glance does not have: it differs


def _describe_import(spec: InstanceSpec) -> str:
    ref = spec.import_
    assert ref is not None
    if ref.id is not None:
        return f"id {ref.id}"
    assert ref.filter is not None
    tags = f" with tags {', '.join(ref.filter.tags)}" if ref.filter.tags else ""
    return f"name {ref.filter.name!r}{tags}"
