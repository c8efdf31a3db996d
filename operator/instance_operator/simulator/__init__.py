"""A local OpenStack (Keystone, Nova, Glance, Neutron) for tests, demos and benchmarks.

Like moto for AWS: a real HTTP server speaking the captured wire format, not a mock. Start it
with ``Simulator(SimulatorConfig(...)).running()``, or as ``instance-operator simulator``.
The names are loaded lazily so the CLI can import this package without aiohttp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instance_operator.simulator.config import SimulatorConfig
    from instance_operator.simulator.runner import Simulator

__all__ = ["Simulator", "SimulatorConfig"]


def __getattr__(name: str) -> Any:
    if name == "Simulator":
        from instance_operator.simulator.runner import Simulator

        return Simulator
    if name == "SimulatorConfig":
        from instance_operator.simulator.config import SimulatorConfig

        return SimulatorConfig
    raise AttributeError(name)
