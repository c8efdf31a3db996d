"""The server-group calls and ``CreateOpts.scheduler_hints``, over HTTP against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from instance_operator.openstack import errors
from instance_operator.openstack.compute import flavors, server_groups, servers
from instance_operator.openstack.compute.servers import CreateOpts
from instance_operator.openstack.config import CloudConfig
from instance_operator.openstack.image import images
from instance_operator.openstack.microversion import Microversion
from instance_operator.simulator import Simulator
from tests.openstack.conftest import MakeCloud
from tests.simulator.client import OpenStack
from tests.support import waits


@pytest.fixture
def raw(sim: Simulator) -> Iterator[OpenStack]:
    """A plain HTTP session as the clouds.yaml user, to make groups the client does not create."""
    with OpenStack.login(sim.auth_url, "admin", "admin") as client:
        yield client


def make_group(raw: OpenStack, name: str, policy: str, **extra: Any) -> str:
    body = {"server_group": {"name": name, "policy": policy, **extra}}
    response = raw.post("compute", "/os-server-groups", json=body, version="2.64")
    assert response.status_code == 200, response.text
    return str(response.json()["server_group"]["id"])


def test_list_get_find(raw: OpenStack, make_cloud: MakeCloud) -> None:
    compute = make_cloud().compute
    assert list(server_groups.list_server_groups(compute)) == []
    ha = make_group(raw, "ha", "anti-affinity", rules={"max_server_per_host": 2})
    make_group(raw, "twin", "affinity")
    make_group(raw, "twin", "soft-affinity")

    listed = list(server_groups.list_server_groups(compute))
    assert [g.name for g in listed] == ["ha", "twin", "twin"]
    group = server_groups.get(compute, ha)
    assert group == listed[0]
    assert (group.policy, group.rules, group.members) == (
        "anti-affinity",
        {"max_server_per_host": 2},
        [],
    )
    assert group.effective_policy == "anti-affinity"
    assert group.request_id
    assert server_groups.find(compute, "ha").id == ha
    with pytest.raises(errors.NoMatch):
        server_groups.find(compute, "nope")
    with pytest.raises(errors.MultipleMatches) as many:
        server_groups.find(compute, "twin")
    assert len(many.value.ids) == 2
    with pytest.raises(errors.NotFound):
        server_groups.get(compute, "3fa85f64-5717-4562-b3fc-2c963f66afa6")


def test_before_2_64_the_policy_comes_as_a_list(
    raw: OpenStack, make_cloud: MakeCloud, sim_config: CloudConfig
) -> None:
    group_id = make_group(raw, "old", "soft-anti-affinity")
    pinned = sim_config.model_copy(update={"compute_api_version": Microversion(2, 60)})
    group = server_groups.get(make_cloud(pinned).compute, group_id)
    assert (group.policy, group.rules, group.policies) == (None, None, ["soft-anti-affinity"])
    assert group.effective_policy == "soft-anti-affinity"


def test_scheduler_hints_boot_into_a_group(raw: OpenStack, make_cloud: MakeCloud) -> None:
    cloud = make_cloud()
    compute, image = cloud.compute, cloud.image
    group_id = make_group(raw, "web", "anti-affinity")
    opts = CreateOpts(
        name="web-1",
        flavor_ref=flavors.find(compute, "m1.tiny").id,
        image_ref=images.find(image, "cirros-0.6.2-x86_64-disk").id,
        networks="none",
        scheduler_hints={"group": group_id},
    )
    assert opts.to_body()["os:scheduler_hints"] == {"group": group_id}
    assert "os:scheduler_hints" not in opts.model_copy(update={"scheduler_hints": {}}).to_body()
    created = servers.create(compute, opts)
    server = waits.server_status(compute, created.id, "ACTIVE", timeout=10, interval=0.05)
    assert server.server_groups == [group_id]
    assert server_groups.get(compute, group_id).members == [created.id]
    with pytest.raises(errors.BadRequest, match="could not be found"):
        servers.create(
            compute,
            opts.model_copy(
                update={"scheduler_hints": {"group": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}}
            ),
        )


@pytest.mark.parametrize("pinned", [None, Microversion(2, 60)], ids=["policy", "policies"])
def test_create_and_delete_in_either_shape(
    pinned: Microversion | None, sim_config: CloudConfig, make_cloud: MakeCloud
) -> None:
    """From 2.64 the policy is a string, before a one-element list: each microversion refuses the
    other shape, so the client must send the one its microversion reads."""
    config = sim_config.model_copy(update={"compute_api_version": pinned}) if pinned else None
    compute = make_cloud(config).compute
    made = server_groups.create(compute, "pair", "soft-anti-affinity")
    assert made.effective_policy == "soft-anti-affinity"
    assert server_groups.find(compute, "pair").id == made.id
    server_groups.delete(compute, made.id)
    with pytest.raises(errors.NotFound):
        server_groups.get(compute, made.id)
