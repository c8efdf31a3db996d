"""The pieces every compute handler needs, passed around as one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from instance_operator.simulator.compute.keypairs import Keypair
from instance_operator.simulator.compute.lifecycle import Compute
from instance_operator.simulator.compute.model import Server
from instance_operator.simulator.compute.paging import PagingGlitches
from instance_operator.simulator.compute.plans import Caller
from instance_operator.simulator.compute.views import ServerView
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.faults import Faults
from instance_operator.simulator.http.api import ApiRequest
from instance_operator.simulator.image.store import ImageStore
from instance_operator.simulator.network.store import NetworkStore


@dataclass
class ComputeParts:
    config: SimulatorConfig
    compute: Compute
    network: NetworkStore
    images: ImageStore
    keypairs: list[Keypair]
    faults: Faults
    view: ServerView
    glitches: PagingGlitches = field(default_factory=PagingGlitches)

    @staticmethod
    def caller(req: ApiRequest) -> Caller:
        token = req.auth
        return Caller(token.user.id, token.project_id, req.request_id)

    def server(self, req: ApiRequest) -> Server:
        token = req.auth
        return self.compute.find(req.params["server_id"], token.project_id, token.is_admin)
