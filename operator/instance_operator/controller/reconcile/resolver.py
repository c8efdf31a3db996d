"""Turn the names in a spec into OpenStack IDs, with a short-lived cache per cloud.

A thousand Instances on ``m1.small`` and the same image must not cost a thousand flavor listings.
Answers are kept for a while (``lookup_cache_ttl``); failures are not, so a flavor the cloud admin
adds is found at the next retry. When a name matches nothing, the error lists what does exist, so
the user can fix the spec without a trip to the OpenStack CLI.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from instance_operator.api.models import FlavorRef, ImageRef, NetworkAttachment, ServerGroupRef
from instance_operator.controller.reconcile.failures import UserError, not_found
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack import errors as os_errors
from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute import flavors, keypairs, server_groups
from instance_operator.openstack.compute.flavors import Flavor
from instance_operator.openstack.compute.server_groups import ServerGroup
from instance_operator.openstack.compute.servers import NetworkSpec
from instance_operator.openstack.image import images
from instance_operator.openstack.network import networks, ports, security_groups

T = TypeVar("T")

#: How many names an error message lists before it says "...".
LISTED = 12


class Resolver:
    def __init__(
        self, cloud: Cloud, *, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._cloud = cloud
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, object]] = {}
        self._fetching: dict[tuple[str, str], threading.Lock] = {}

    def _cached(self, kind: str, key: str, fetch: Callable[[], T]) -> T:
        """The cached answer, or one fetch shared by every thread asking at the same time (a
        thousand new Instances must not list the flavors a thousand times)."""
        with self._lock:
            single_flight = self._fetching.setdefault((kind, key), threading.Lock())
        with single_flight:
            now = self._clock()
            with self._lock:
                hit = self._cache.get((kind, key))
            if hit is not None and hit[0] > now:
                return hit[1]  # type: ignore[return-value]
            value = fetch()
            with self._lock:
                self._cache[(kind, key)] = (now + self._ttl, value)
            return value

    # --- flavors --------------------------------------------------------------------------------

    def _flavors(self) -> list[Flavor]:
        return self._cached("flavors", "", lambda: list(flavors.list_flavors(self._cloud.compute)))

    def flavor(self, ref: FlavorRef) -> Flavor:
        listing = self._flavors()
        if ref.id is not None:
            matches = [f for f in listing if f.id == ref.id]
            field, wanted = "spec.flavor.id", ref.id
        else:
            matches = [f for f in listing if f.name == ref.name]
            field, wanted = "spec.flavor.name", ref.name or ""
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(f.id for f in matches)
            raise UserError(
                Reason.AMBIGUOUS_NAME,
                f"{field}: {len(matches)} flavors are named {wanted!r} ({ids}); use spec.flavor.id",
            )
        raise not_found(
            "flavor",
            f"{field}: no flavor {wanted!r} in cloud {self._cloud.name!r}. Flavors: {_names(f.name for f in listing)}",
        )

    def flavor_names(self) -> dict[str, str]:
        """Flavor ID -> name, for the status of servers whose microversion names only one half."""
        try:
            return {f.id: f.name for f in self._flavors()}
        except os_errors.OpenStackError:
            return {}

    # --- images ---------------------------------------------------------------------------------

    def image_id(self, ref: ImageRef) -> str:
        if ref.id is not None:
            image_id = ref.id
            return self._cached("image", image_id, lambda: self._image_by_id(image_id))
        name = ref.name or ""
        return self._cached("image-name", name, lambda: self._image_by_name(name))

    def _image_by_id(self, image_id: str) -> str:
        try:
            return images.get(self._cloud.image, image_id).id
        except os_errors.NotFound:
            raise not_found(
                "image", f"spec.image.id: no image {image_id!r} in cloud {self._cloud.name!r}"
            ) from None

    def _image_by_name(self, name: str) -> str:
        try:
            return images.find(self._cloud.image, name).id
        except os_errors.MultipleMatches as exc:
            raise UserError(
                Reason.AMBIGUOUS_NAME, f"spec.image.name: {exc}; use spec.image.id"
            ) from None
        except os_errors.NoMatch:
            raise not_found(
                "image", f"spec.image.name: no image named {name!r} in cloud {self._cloud.name!r}"
            ) from None

    # --- server groups --------------------------------------------------------------------------

    def server_group(self, ref: ServerGroupRef) -> ServerGroup:
        """The group by ID, or the one of the project with that name (Nova lists a project's own
        groups, and has no name filter); a group to create is looked up by its name only."""
        if ref.id is not None:
            group_id = ref.id
            return self._cached("server-group", group_id, lambda: self._group_by_id(group_id))
        field = "spec.serverGroup.create.name" if ref.create else "spec.serverGroup.name"
        name = ref.create.name if ref.create is not None else ref.name or ""
        return self._cached("server-group-name", name, lambda: self._group_by_name(field, name))

    def forget_server_group(self, name: str) -> None:
        """The group of that name was deleted (or made): the next lookup asks Nova."""
        with self._lock:
            self._cache.pop(("server-group-name", name), None)

    def _group_by_id(self, group_id: str) -> ServerGroup:
        try:
            return server_groups.get(self._cloud.compute, group_id)
        except os_errors.NotFound:
            raise not_found(
                "server group",
                f"spec.serverGroup.id: no server group {group_id!r} in cloud {self._cloud.name!r}",
            ) from None

    def _group_by_name(self, field: str, name: str) -> ServerGroup:
        listing = list(server_groups.list_server_groups(self._cloud.compute))
        matches = [g for g in listing if g.name == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(g.id for g in matches)
            raise UserError(
                Reason.AMBIGUOUS_NAME,
                f"{field}: {len(matches)} server groups are named {name!r} ({ids}); use"
                " spec.serverGroup.id",
            )
        raise not_found(
            "server group",
            f"{field}: no server group named {name!r} in the project of cloud"
            f" {self._cloud.name!r}. Server groups: {_names(g.name for g in listing)}",
        )

    # --- networks and ports ---------------------------------------------------------------------

    def networks(self, attachments: list[NetworkAttachment]) -> list[NetworkSpec]:
        return [self._network(i, a) for i, a in enumerate(attachments)]

    def _network(self, index: int, attachment: NetworkAttachment) -> NetworkSpec:
        field = f"spec.networks[{index}]"
        if attachment.port_id is not None:
            port_id = attachment.port_id
            try:
                ports.get(self._cloud.network, port_id)
            except os_errors.NotFound:
                raise not_found(
                    "port", f"{field}.portID: no port {port_id!r} in cloud {self._cloud.name!r}"
                ) from None
            return NetworkSpec(port=port_id)
        if attachment.id is not None:
            network_id = attachment.id
            self._cached("network", network_id, lambda: self._network_by_id(field, network_id))
        else:
            name = attachment.name or ""
            network_id = self._cached(
                "network-name", name, lambda: self._network_by_name(field, name)
            )
        return NetworkSpec(uuid=network_id, fixed_ip=attachment.fixed_ip)

    def _network_by_id(self, field: str, network_id: str) -> str:
        try:
            return networks.get(self._cloud.network, network_id).id
        except os_errors.NotFound:
            raise not_found(
                "network", f"{field}.id: no network {network_id!r} in cloud {self._cloud.name!r}"
            ) from None

    def _network_by_name(self, field: str, name: str) -> str:
        try:
            return networks.find(self._cloud.network, name).id
        except os_errors.MultipleMatches as exc:
            raise UserError(Reason.AMBIGUOUS_NAME, f"{field}.name: {exc}; use {field}.id") from None
        except os_errors.NoMatch:
            available = _names(n.name for n in networks.list_networks(self._cloud.network))
            raise not_found(
                "network", f"{field}.name: no network named {name!r}. Networks: {available}"
            ) from None

    # --- keypairs and security groups -----------------------------------------------------------

    def check_keypair(self, name: str) -> None:
        self._cached("keypair", name, lambda: self._keypair(name))

    def _keypair(self, name: str) -> str:
        try:
            return keypairs.get(self._cloud.compute, name).name
        except os_errors.NotFound:
            raise not_found(
                "keypair",
                f"spec.keyName: no keypair {name!r} for this user in cloud {self._cloud.name!r}",
            ) from None

    def security_group_id(self, name: str) -> str:
        return self._cached("security-group", name, lambda: self._security_group(name))

    def _security_group(self, name: str) -> str:
        try:
            return security_groups.find(
                self._cloud.network, name, project_id=self._cloud.project_id
            ).id
        except os_errors.MultipleMatches as exc:
            raise UserError(Reason.AMBIGUOUS_NAME, f"spec.securityGroups: {exc}") from None
        except os_errors.NoMatch:
            raise not_found(
                "security group",
                f"spec.securityGroups: no security group named {name!r} in this project",
            ) from None


def _names(names: object) -> str:
    listed = sorted({n for n in names if isinstance(n, str)})  # type: ignore[attr-defined]
    more = ", ..." if len(listed) > LISTED else ""
    return (", ".join(listed[:LISTED]) + more) or "none"
