"""The test-facing controls, the same whether the simulator runs in-process or in a subprocess.

In-process they act on the cloud directly (``sim.clock``, ``sim.faults``, ``sim.counters``,
``sim.servers``);
``remote.RemoteSimulator`` offers the same methods over ``/_sim``. Server views are what an
admin sees at the highest microversion, so assertions read like the API.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from typing import Any, Literal

from multidict import MultiDict, MultiDictProxy

from instance_operator.simulator.cloud import Cloud
from instance_operator.simulator.compute import microversion
from instance_operator.simulator.compute.plans import Attachment, Blueprint, Caller
from instance_operator.simulator.compute.views import Links
from instance_operator.simulator.config import UserSeed
from instance_operator.simulator.http.api import ApiRequest
from instance_operator.simulator.identity.tokens import Token

SeedStatus = Literal["ACTIVE", "SHUTOFF", "ERROR", "BUILD"]


def _admin(cloud: Cloud) -> Token:
    config = cloud.config
    user = next((u for u in config.users if "admin" in u.roles), config.users[0])
    roles = tuple(dict.fromkeys([*user.roles, "admin"]))
    return Token(
        "internal",
        user,
        config.project(user.project),
        roles,
        ("password",),
        0.0,
        float("inf"),
        "internal",
    )


class ServerControl:
    """``sim.servers``: read servers for assertions, create them in bulk, fail or delete them
    out of band."""

    def __init__(self, cloud: Cloud, origin: Callable[[], str]) -> None:
        self._cloud = cloud
        self._origin = origin

    def _request(self) -> ApiRequest:
        cloud = self._cloud
        return ApiRequest(
            params={},
            query=MultiDictProxy(MultiDict()),
            body=None,
            origin=self._origin(),
            request_id="req-internal",
            now=cloud.clock.now(),
            token=_admin(cloud),
            version=microversion.parse(cloud.config.microversions.max),
        )

    def get(self, server_id: str) -> dict[str, Any] | None:
        """The server as an admin GET shows it (deleted servers too, with status DELETED)."""
        cloud = self._cloud
        with cloud.lock:
            req = self._request()
            cloud.advance(req.now)
            server = cloud.compute.servers.get(server_id)
            if server is None:
                return None
            return cloud.parts.view.detail(server, req, Links.of(req), single=True)

    def list(self, include_deleted: bool = False) -> builtins.list[dict[str, Any]]:
        """Every server, newest first, as in ``GET /servers/detail?all_tenants=1``."""
        cloud = self._cloud
        with cloud.lock:
            req = self._request()
            cloud.advance(req.now)
            links = Links.of(req)
            return [
                cloud.parts.view.detail(s, req, links, single=False)
                for s in reversed(cloud.compute.order)
                if include_deleted or not s.deleted
            ]

    def count(self) -> int:
        with self._cloud.lock:
            self._cloud.advance(self._cloud.clock.now())
            return sum(1 for s in self._cloud.compute.order if not s.deleted)

    def delete(self, server_id: str) -> None:
        """Delete behind the client's back, as another user or an admin would. ``KeyError`` if unknown."""
        cloud = self._cloud
        with cloud.lock:
            now = cloud.clock.now()
            cloud.advance(now)
            server = cloud.compute.servers.get(server_id)
            if server is None or server.deleted:
                raise KeyError(server_id)
            admin = _admin(cloud)
            caller = Caller(admin.user.id, admin.project_id, f"req-{uuid.uuid4()}")
            cloud.compute.delete_out_of_band(server, caller, now)

    def fail(self, server_id: str, *, message: str) -> None:
        """Put a launched server into ERROR with a fault, as when its compute host fails.

        A HARD reboot brings it back. ``KeyError`` if unknown or deleted, ``ValueError`` if it
        never launched or is being deleted.
        """
        cloud = self._cloud
        with cloud.lock:
            now = cloud.clock.now()
            cloud.advance(now)
            server = cloud.compute.servers.get(server_id)
            if server is None or server.deleted:
                raise KeyError(server_id)
            cloud.compute.fail(server, message, now)

    def glitch_paging(self, kind: str) -> None:
        """Queue a paging fault for the next server-list page asked for with a marker
        (``duplicate``, ``skip`` or ``loop``; see ``compute.paging.PagingGlitches``)."""
        self._cloud.parts.glitches.queue(kind)

    def cell_down(self, server_id: str, down: bool = True) -> None:
        """Make the server's cell unreachable (``down``) or reachable again: while down, Nova
        shows it with status UNKNOWN and little else. ``KeyError`` if unknown or deleted."""
        cloud = self._cloud
        with cloud.lock:
            cloud.advance(cloud.clock.now())
            server = cloud.compute.servers.get(server_id)
            if server is None or server.deleted:
                raise KeyError(server_id)
            server.cell_down = down

    def create(
        self,
        count: int = 1,
        *,
        name: str = "seeded",
        status: SeedStatus = "ACTIVE",
        project: str | None = None,
        flavor: str | None = None,
        image: str | None = None,
        networks: Literal["none", "auto"] = "none",
    ) -> builtins.list[str]:
        """Put ``count`` servers straight into ``status``; for benchmarks and test set-up.

        ``project``, ``flavor`` and ``image`` are names (or IDs) from the config, defaulting to
        the first of each. Names get ``-1``, ``-2``... when ``count`` is above one.
        """
        cloud = self._cloud
        config = cloud.config
        with cloud.lock:
            now = cloud.clock.now()
            cloud.advance(now)
            target = next((p for p in config.projects if project in (None, p.name, p.id)), None)
            flavor_seed = next((f for f in config.flavors if flavor in (None, f.name, f.id)), None)
            image_obj = next(
                (i for i in cloud.images.images.values() if image in (None, i.name, i.id)), None
            )
            if target is None or flavor_seed is None or image_obj is None:
                raise ValueError(f"unknown project, flavor or image: {project}, {flavor}, {image}")
            user: UserSeed = next(
                (u for u in config.users if u.project == target.name), config.users[0]
            )
            default_group = cloud.network.find_security_group("default", target.id)
            group_ids = [default_group.id] if default_group is not None else []
            attachments = (
                [Attachment(network=n) for n in cloud.network.available_networks(target.id)[:1]]
                if networks == "auto"
                else []
            )
            ids = []
            for index in range(count):
                plan = Blueprint(
                    name=name if count == 1 else f"{name}-{index + 1}",
                    flavor=flavor_seed,
                    image=image_obj,
                    attachments=attachments,
                    group_ids=group_ids,
                    group_names=["default"],
                )
                caller = Caller(user.id, target.id, f"req-{uuid.uuid4()}")
                ids.append(cloud.compute.seed(plan, caller, now, status).id)
            return ids


class Controls:
    """Everything a test steers: the clock, faults, pauses, counters, servers, tokens and a full
    reset."""

    def __init__(self, cloud: Cloud, origin: Callable[[], str]) -> None:
        self._cloud = cloud
        self.clock = cloud.clock
        self.faults = cloud.faults
        self.pauses = cloud.faults.pauses
        self.counters = cloud.counters
        self.servers = ServerControl(cloud, origin)

    def reset(self) -> None:
        """Back to the seeded cloud: no servers or tokens, configured faults, zero counters.
        The clock stays as it is, frozen or running: time never runs backwards."""
        self._cloud.reset()

    def expire_tokens(self) -> None:
        """Revoke every issued token; the next call of each client gets a 401."""
        with self._cloud.lock:
            self._cloud.identity.clear()
