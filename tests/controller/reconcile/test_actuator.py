"""The actuator against the simulator's Nova: what a create leaves on the server, converging in
place only what differs, and finding a call in Nova's action log after the fact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from instance_operator.api.names import Action, server_tag
from instance_operator.api.validation import validate_spec
from instance_operator.controller.kube import InstanceRef
from instance_operator.controller.reconcile.actuator import Actuator
from instance_operator.controller.reconcile.resolver import Resolver
from instance_operator.openstack.cloud import Cloud, connect
from instance_operator.openstack.compute import servers
from instance_operator.openstack.config import load_clouds_yaml
from instance_operator.sandbox import example
from instance_operator.simulator import Simulator
from tests.support import waits

REF = InstanceRef(namespace="team-a", name="web-1", uid="u-1")


@pytest.fixture
def cloud(sim: Simulator) -> Iterator[Cloud]:
    connected = connect(load_clouds_yaml(sim.clouds_yaml(cloud_name="sim"), "sim"))
    yield connected
    connected.close()


def spec(**changes: Any) -> Any:
    return validate_spec({**example("instance-minimal.yaml")["spec"], **changes})


def wait_active(cloud: Cloud, server_id: str) -> servers.Server:
    return waits.server_status(cloud.compute, server_id, "ACTIVE", timeout=30, interval=0.05)


def test_a_created_server_carries_the_instance_s_tag_and_is_found_by_it(cloud: Cloud) -> None:
    actuator = Actuator(cloud, Resolver(cloud, ttl=60))
    created = actuator.create(REF, spec(tags=["web"]), name="team-a-web-1", user_data=None)
    assert created.request_id
    (found,) = actuator.find_tagged([server_tag(REF.uid)], seen_at=1.0)
    assert found.id == created.id
    assert set(found.tags) == {"web", server_tag(REF.uid)}
    assert found.seen_at == 1.0
    assert actuator.find_tagged([server_tag("someone-else")], seen_at=1.0) == []
    got = actuator.get(created.id, seen_at=2.0)
    assert got is not None
    assert got.name == "team-a-web-1"
    assert actuator.get("00000000-0000-0000-0000-000000000000", seen_at=2.0) is None


def test_converge_changes_only_what_differs(cloud: Cloud) -> None:
    actuator = Actuator(cloud, Resolver(cloud, ttl=60))
    wanted = spec(tags=["web"], metadata={"team": "a"})
    created = actuator.create(REF, wanted, name="team-a-web-1", user_data=None)
    wait_active(cloud, created.id)
    servers.update_name(cloud.compute, created.id, "renamed-by-hand")
    servers.replace_tags(cloud.compute, created.id, ["stray"])
    drifted = actuator.get(created.id, seen_at=0.0)
    assert drifted is not None
    assert actuator.converge(REF, wanted, drifted, name="team-a-web-1") == [
        "name to 'team-a-web-1'",
        "tags",
    ]
    settled = actuator.get(created.id, seen_at=0.0)
    assert settled is not None
    assert actuator.converge(REF, wanted, settled, name="team-a-web-1") == []
    assert set(settled.tags) == {"web", server_tag(REF.uid)}


def test_a_call_is_found_in_nova_s_log_only_after_the_moment_asked(
    cloud: Cloud, sim: Simulator
) -> None:
    actuator = Actuator(cloud, Resolver(cloud, ttl=60))
    created = actuator.create(REF, spec(), name="team-a-web-1", user_data=None)
    before = wait_active(cloud, created.id).updated
    assert before is not None
    sim.clock.advance(1.0)  # Nova's log has whole seconds: the call starts in a later second
    call = actuator.act(Action.REBOOT, created.id)
    since = before + timedelta(seconds=1)
    assert actuator.arrived(Action.REBOOT, created.id, since=since) == call.request_id
    assert actuator.arrived(Action.STOP, created.id, since=since) is None
    assert actuator.arrived(Action.REBOOT, created.id, since=since + timedelta(hours=1)) is None


def test_a_call_that_started_before_the_moment_asked_is_not_taken_for_a_later_one(
    cloud: Cloud, sim: Simulator
) -> None:
    """Nova's ``changes-since`` filters on when an action was last updated: a reboot that started
    before the moment asked but finished after it is listed, and must not count."""
    actuator = Actuator(cloud, Resolver(cloud, ttl=60))
    created = actuator.create(REF, spec(), name="team-a-web-1", user_data=None)
    wait_active(cloud, created.id)
    sim.clock.advance(1.0)
    started = datetime.fromtimestamp(sim.clock.freeze(), UTC)
    actuator.act(Action.REBOOT, created.id)
    sim.clock.advance(5.0)  # the reboot (0.2 s) finishes, which updates its log entry
    sim.clock.resume()
    wait_active(cloud, created.id)
    # Started at `started`, finished 0.2 s later: listed for a moment between, and not counted.
    assert (
        actuator.arrived(Action.REBOOT, created.id, since=started + timedelta(seconds=0.1)) is None
    )
