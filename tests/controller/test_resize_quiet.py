"""A normal resize confirms once and tells no Warning, also when Nova takes its time confirming
(while it does, the server still reads VERIFY_RESIZE)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from instance_operator.controller.runtime import Controller
from instance_operator.openstack.compute import instance_actions
from instance_operator.simulator import Simulator, SimulatorConfig
from tests.controller.test_lifecycle import outsider, web
from tests.support.cluster import Cluster, wait_for
from tests.support.timings import FAST_CLOUD


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """Confirming takes 2 s: the watcher polls several times while the server is confirming."""
    durations = FAST_CLOUD.model_copy(update={"confirm_resize": 2.0})
    with Simulator(SimulatorConfig(durations=durations)).running() as simulator:
        yield simulator


def test_a_slow_confirm_is_sent_once_without_a_warning(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.patch_spec("web-1", {"flavor": {"name": "m1.medium"}})
    compute = outsider(sim).compute

    def confirming() -> bool:
        kinds = [a.action for a in instance_actions.list_actions(compute, server_id)]
        server = sim.servers.get(server_id) or {}
        return "confirmResize" in kinds and server.get("status") == "VERIFY_RESIZE"

    wait_for("the confirm to be under way", confirming, interval=0.05)
    # Any reason to look again while Nova confirms: here a new annotation.
    cluster.patch("web-1", {"metadata": {"annotations": {"example.com/poke": "1"}}})
    wait_for(
        "the resize to finish",
        lambda: (
            cluster.status("web-1").get("flavorName") == "m1.medium"
            and cluster.condition("web-1", "Ready").get("status") == "True"
        ),
    )
    cluster.wait_event("web-1", "Normal", "Resized")
    actions = [a.action for a in instance_actions.list_actions(compute, server_id)]
    assert actions.count("confirmResize") == 1, actions
    assert [e for e in cluster.events("web-1") if e[0] == "Warning"] == []
