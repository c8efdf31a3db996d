"""The whole simulated cloud in one object: state, lock, clock, timeline, faults and counters.

Every reader and writer, HTTP handler or test thread, takes ``lock`` and calls ``advance``
first with ``clock.now()``, so state is consistent and scheduled transitions are applied
exactly when due.
"""

from __future__ import annotations

import threading

from instance_operator.simulator.clock import Clock
from instance_operator.simulator.compute.api import register_compute
from instance_operator.simulator.compute.keypairs import seeded_keypairs
from instance_operator.simulator.compute.lifecycle import Compute
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.compute.views import ServerView
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.counters import Counters
from instance_operator.simulator.faults import Faults
from instance_operator.simulator.http.routing import Router
from instance_operator.simulator.identity.handlers import IdentityApi
from instance_operator.simulator.identity.tokens import Identity
from instance_operator.simulator.image.handlers import ImageApi
from instance_operator.simulator.image.store import ImageStore
from instance_operator.simulator.network.handlers import NetworkApi
from instance_operator.simulator.network.store import NetworkStore
from instance_operator.simulator.timeline import Timeline


class Cloud:
    def __init__(self, config: SimulatorConfig) -> None:
        self.clock = Clock()
        now = self.clock.now()
        self.config = config
        self.lock = threading.RLock()
        self.faults = Faults(config.faults, config.random_seed)
        self.counters = Counters()
        self.timeline = Timeline()
        self.identity = Identity(config)
        self.network = NetworkStore(config, now)
        self.images = ImageStore(config, self.timeline, now)
        self.compute = Compute(config, self.timeline, self.network, self.images)
        self.parts = ComputeParts(
            config=config,
            compute=self.compute,
            network=self.network,
            images=self.images,
            keypairs=seeded_keypairs(config, now),
            faults=self.faults,
            view=ServerView(self.network, self.images, self.compute.groups),
        )

    def advance(self, now: float) -> None:
        self.timeline.advance(now)

    def reset(self) -> None:
        """Back to the seeded state: no servers, no tokens, configured faults, zero counters."""
        with self.lock:
            now = self.clock.now()
            self.timeline.clear()
            self.identity.clear()
            self.network.clear(now)
            self.images.clear(now)
            self.compute.clear()
            self.parts.glitches.clear()
        self.faults.restore()
        self.counters.reset()

    def router(self) -> Router:
        router = Router()
        IdentityApi(self.config, self.identity, self.faults).register(router)
        register_compute(router, self.parts)
        ImageApi(self.images).register(router)
        NetworkApi(self.network).register(router)
        return router
