"""All of the compute API's routes, wired to one set of parts."""

from __future__ import annotations

from instance_operator.simulator.compute.actions import ActionsApi
from instance_operator.simulator.compute.keypairs import KeypairApi
from instance_operator.simulator.compute.metadata_tags import MetadataTagsApi
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.compute.resources import ResourcesApi
from instance_operator.simulator.compute.server_groups_api import ServerGroupsApi
from instance_operator.simulator.compute.server_info import ServerInfoApi
from instance_operator.simulator.compute.servers import ServersApi
from instance_operator.simulator.http.routing import Router


def register_compute(router: Router, parts: ComputeParts) -> None:
    # Fixed paths first: aiohttp tries routes in order, and "/servers/detail" must not be
    # taken for a server ID.
    ResourcesApi(parts).register(router)
    KeypairApi(parts.keypairs).register(router)
    ServersApi(parts).register(router)
    ActionsApi(parts).register(router)
    MetadataTagsApi(parts).register(router)
    ServerInfoApi(parts).register(router)
    ServerGroupsApi(parts).register(router)
