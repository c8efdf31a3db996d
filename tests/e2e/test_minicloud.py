"""The lifecycle and action scenarios against a real OpenStack: the mini-cloud (make test-cloud).

The operator runs as a child process against the embedded Kubernetes API, as in the rest of the
suite, but its cloud is the one in ``IOP_TEST_CLOUDS_YAML``. The mini-cloud has no networks (its
Neutron is a stub) and no images, so the Instances ask for no network and boot a tiny raw image
uploaded here; it has one compute host, so a resize (which needs a second host, or Nova's
``allow_resize_to_same_host``) is left out.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from instance_operator.api import names
from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute import flavors, server_groups, servers
from instance_operator.openstack.errors import NoMatch, NotFound
from instance_operator.openstack.image import images
from instance_operator.openstack.routes import Route
from instance_operator.sandbox import MINIMAL, Box, Cluster, OperatorFlags, Sandbox, example
from tests.cloud.conftest import delete_image, upload_image
from tests.cloud.env import CLOUDS_YAML, needs_cloud
from tests.e2e.support import connect_as_user, free_port, nova_actions, scrape, sum_of
from tests.support import waits

pytestmark = needs_cloud

CLOUD_NAME = os.environ.get("IOP_TEST_CLOUD", "minicloud")
#: The operator's metrics count its requests to the real Nova, which has no counters of its own.
METRICS_PORT = free_port()
#: A real Nova builds and reboots in a second or two; the operator's cadences suit that.
REAL_CLOUD_OPERATOR = OperatorFlags(
    poll_interval=2.0, fast_poll_interval=0.5, metrics_port=METRICS_PORT
)
TIMEOUT = 120.0


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    assert CLOUDS_YAML is not None
    sandbox = Sandbox(
        clouds_yaml=Path(CLOUDS_YAML).read_text(),
        cloud_name=CLOUD_NAME,
        operator=REAL_CLOUD_OPERATOR,
        workdir=tmp_path_factory.mktemp("sandbox"),
    )
    with sandbox.running() as running:
        yield running


@pytest.fixture(scope="module")
def cloud(box: Box) -> Iterator[Cloud]:
    connection = connect_as_user(box)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def image(cloud: Cloud) -> Iterator[str]:
    """The name of a freshly uploaded image; it and every snapshot of it go at the end."""
    name = f"iop-e2e-{uuid.uuid4().hex[:8]}"
    image_id = upload_image(cloud, name)
    yield name
    for found in images.list_images(cloud.image):
        if found.name is not None and found.name.startswith(("iop-e2e-", "e2e-")):
            delete_image(cloud, found.id)
    delete_image(cloud, image_id)


@pytest.fixture
def namespace(box: Box, request: pytest.FixtureRequest, cloud: Cloud) -> Iterator[Cluster]:
    """A namespace per test, named ``e2e-...`` so that server and snapshot names say whose they
    are; its Instances are deleted afterwards, and any server they leave behind."""
    name = "e2e-" + request.node.name.removeprefix("test_").replace("_", "-")[:40].strip("-")
    cluster = box.namespace(name)
    yield cluster
    for instance in cluster.instances():
        with contextlib.suppress(Exception):
            cluster.patch_spec(instance["metadata"]["name"], {"deletionPolicy": "Delete"})
            cluster.delete(instance["metadata"]["name"])
    for instance in cluster.instances():
        cluster.wait_gone(instance["metadata"]["name"], TIMEOUT)
    for server in servers.list_detail(cloud.compute):
        if (server.name or "").startswith(f"{name}-"):
            with contextlib.suppress(NotFound):
                servers.delete(cloud.compute, server.id)


def instance(image: str, name: str = "web-1", **spec: Any) -> dict[str, Any]:
    """examples/instance-minimal.yaml on the smallest flavor and the uploaded image."""
    found = example(MINIMAL)
    found["metadata"]["name"] = name
    found["spec"].update({"flavor": {"name": "m1.nano"}, "image": {"name": image}, **spec})
    return found


def test_create_update_and_delete(namespace: Cluster, cloud: Cloud, image: str) -> None:
    namespace.create(instance(image, metadata={"team": "a"}, tags=["blue"]))
    namespace.create(instance(image, "kept", deletionPolicy="Orphan"))
    status = namespace.wait_ready("web-1", TIMEOUT)
    server_id = status["serverID"]
    assert status["phase"] == "Active"
    assert status["powerState"] == "Running"
    assert status["flavorName"] == "m1.nano"
    assert ("Normal", "Created") in namespace.reasons("web-1")

    namespace.patch_spec("web-1", {"metadata": {"team": "b"}, "tags": ["green"]})
    namespace.wait_ready("web-1", TIMEOUT)
    server = servers.get(cloud.compute, server_id)
    assert server.metadata["team"] == "b"
    assert "green" in (server.tags or [])
    assert "blue" not in (server.tags or [])

    kept_id = namespace.wait_ready("kept", TIMEOUT)["serverID"]
    namespace.delete("web-1")
    namespace.delete("kept")
    namespace.wait_gone("web-1", TIMEOUT)
    namespace.wait_gone("kept", TIMEOUT)
    namespace.wait("the server to be deleted", lambda: _gone(cloud, server_id), TIMEOUT)
    kept = servers.get(cloud.compute, kept_id)
    assert kept.status == "ACTIVE"
    assert not any(t.startswith("iop-uid-") for t in kept.tags or [])
    servers.delete(cloud.compute, kept_id)


def test_every_action_once(namespace: Cluster, cloud: Cloud, image: str) -> None:
    namespace.create(instance(image))
    server_id = namespace.wait_ready("web-1", TIMEOUT)["serverID"]
    sequence = [
        ("stop", "Stopped"),
        ("start", "Active"),
        ("reboot", "Active"),
        ("hard-reboot", "Active"),
        ("snapshot", "Active"),
    ]
    for action, phase in sequence:
        namespace.annotate("web-1", action, "t1")
        record = namespace.wait_action("web-1", action, "t1", TIMEOUT)
        assert record["result"] == "Succeeded", (action, record)
        namespace.wait_phase("web-1", phase, TIMEOUT)
    (snapshot,) = namespace.status("web-1")["snapshots"]
    assert snapshot["state"] == "active"

    annotations = {names.Action(action).annotation: "t1" for action, _ in sequence}
    namespace.patch("web-1", {"metadata": {"annotations": annotations}, "spec": {"tags": ["x"]}})
    namespace.wait_ready("web-1", TIMEOUT)
    assert nova_actions(cloud, server_id) == [
        "create",
        "stop",
        "start",
        "reboot",
        "reboot",
        "createImage",
    ]


def test_power_state_is_kept(namespace: Cluster, cloud: Cloud, image: str) -> None:
    namespace.create(instance(image, powerState="Stopped"))
    server_id = namespace.wait_phase("web-1", "Stopped", TIMEOUT)["serverID"]
    namespace.patch_spec("web-1", {"powerState": "Running"})
    namespace.wait_ready("web-1", TIMEOUT)
    servers.stop(cloud.compute, server_id)  # behind the operator's back
    namespace.wait(
        "the operator to start the server again",
        lambda: nova_actions(cloud, server_id).count("start") == 2,
        TIMEOUT,
    )
    namespace.wait_ready("web-1", TIMEOUT)


def _gone(cloud: Cloud, server_id: str) -> bool:
    try:
        return servers.get(cloud.compute, server_id).status == "DELETED"
    except NotFound:
        return True


@contextlib.contextmanager
def server_group(cloud: Cloud, policy: str) -> Iterator[str]:
    """A new server group of the project (2.64+ body), deleted afterwards; yields its name."""
    name = f"iop-e2e-{policy}-{uuid.uuid4().hex[:6]}"
    body = {"server_group": {"name": name, "policy": policy}}
    answer = cloud.compute.post(Route("os-server-groups", "os-server-groups"), body, ok=(200,))
    group_id = answer.object("server_group")["id"]
    try:
        yield name
    finally:
        with contextlib.suppress(NotFound):
            cloud.compute.delete(Route.of("os-server-groups/{group_id}", group_id=group_id))


def test_an_anti_affinity_pair_on_one_host_reports_the_second_unschedulable(
    namespace: Cluster, cloud: Cloud, image: str
) -> None:
    """The mini-cloud has one compute host: Nova's scheduler refuses the second member."""
    with server_group(cloud, "anti-affinity") as group:
        for name in ("db-a", "db-b"):
            namespace.create(instance(image, name, serverGroup={"name": group}))

        def settled() -> dict[str, str] | None:
            ready = {n: namespace.condition(n, "Ready") for n in ("db-a", "db-b")}
            degraded = {n: namespace.condition(n, "Degraded") for n in ("db-a", "db-b")}
            states = {
                n: ready[n].get("status", "") + "/" + degraded[n].get("reason", "") for n in ready
            }
            finished = sorted(states.values()) == ["False/ServerError", "True/Healthy"]
            return states if finished else None

        states = namespace.wait("one Ready, one unschedulable", settled, TIMEOUT)
        refused = next(n for n, s in states.items() if s == "False/ServerError")
        message = namespace.condition(refused, "Degraded")["message"]
        assert f"server group {group}" in message
        assert "policy anti-affinity" in message
        assert "No valid host was found" in message
        for name in ("db-a", "db-b"):
            namespace.delete(name)
            namespace.wait_gone(name, TIMEOUT)


def test_a_soft_anti_affinity_pair_shares_the_one_host(
    namespace: Cluster, cloud: Cloud, image: str
) -> None:
    with server_group(cloud, "soft-anti-affinity") as group:
        for name in ("db-a", "db-b"):
            namespace.create(instance(image, name, serverGroup={"name": group}))
        for name in ("db-a", "db-b"):
            status = namespace.wait_ready(name, TIMEOUT)
            assert status["serverGroupID"]
        for name in ("db-a", "db-b"):
            namespace.delete(name)
            namespace.wait_gone(name, TIMEOUT)


def compute_requests(method: str, path: str) -> float:
    """The operator's requests to Nova of that method and path template, so far."""
    return sum_of(
        "instance_operator_openstack_requests_total",
        scrape(METRICS_PORT),
        service="compute",
        method=method,
        path=path,
    )


def by_hand(cloud: Cloud, image: str, name: str, **fields: Any) -> str:
    """A server made with the OpenStack API, as a person or Terraform would; ACTIVE."""
    created = servers.create(
        cloud.compute,
        servers.CreateOpts(
            name=name,
            flavor_ref=flavors.find(cloud.compute, "m1.nano").id,
            image_ref=images.find(cloud.image, image).id,
            networks="none",
            **fields,
        ),
    )
    waits.server_status(cloud.compute, created.id, "ACTIVE", timeout=TIMEOUT, interval=0.5)
    return created.id


def test_import_by_id_and_by_name_sends_no_create(
    namespace: Cluster, cloud: Cloud, image: str
) -> None:
    """Two servers made by hand: one imported by ID (Managed: tagged), one by exact name
    (Unmanaged: not even tagged); the operator creates nothing, and deleting the Instances
    leaves both running."""
    prefix = namespace.namespace
    by_id = by_hand(cloud, image, f"{prefix}-legacy-1", tags=["blue"])
    by_name = by_hand(cloud, image, f"{prefix}-legacy.2")
    by_hand(cloud, image, f"{prefix}-legacyx2")  # what an unescaped "." would also match
    creates = compute_requests("POST", "servers")
    before = {s.id for s in servers.list_detail(cloud.compute)}

    managed = example("instance-import.yaml")
    managed["metadata"]["name"] = "by-id"
    managed["spec"].update({"import": {"id": by_id}, "managementPolicy": "Managed"})
    unmanaged = example("instance-import.yaml")
    unmanaged["metadata"]["name"] = "by-name"
    unmanaged["spec"]["import"] = {"filter": {"name": f"{prefix}-legacy.2"}}
    namespace.create(managed)
    namespace.create(unmanaged)

    assert namespace.wait_ready("by-id", TIMEOUT)["serverID"] == by_id
    status = namespace.wait_ready("by-name", TIMEOUT)
    assert status["serverID"] == by_name
    assert status["flavorName"] == "m1.nano"
    assert compute_requests("POST", "servers") == creates
    assert {s.id for s in servers.list_detail(cloud.compute)} == before
    uid = (namespace.get("by-id") or {})["metadata"]["uid"]
    assert sorted(servers.get(cloud.compute, by_id).tags or []) == sorted(
        ["blue", f"iop-uid-{uid}"]
    )
    assert not servers.get(cloud.compute, by_name).tags

    for name in ("by-id", "by-name"):
        namespace.delete(name)
        namespace.wait_gone(name, TIMEOUT)
    assert servers.get(cloud.compute, by_id).status == "ACTIVE"  # imported: orphaned
    assert servers.get(cloud.compute, by_id).tags == ["blue"]  # and untagged
    assert servers.get(cloud.compute, by_name).status == "ACTIVE"
    assert nova_actions(cloud, by_id) == ["create"]  # no reboot, no resize


def test_a_created_group_is_shared_and_goes_with_the_last_instance(
    namespace: Cluster, cloud: Cloud, image: str
) -> None:
    """soft-anti-affinity on the one host: both boot, in the one group the operator made."""
    group = f"{namespace.namespace}-pair"
    spec = {"serverGroup": {"create": {"name": group, "policy": "soft-anti-affinity"}}}
    for name in ("db-a", "db-b"):
        namespace.create(instance(image, name, **spec))
    ids = {namespace.wait_ready(n, TIMEOUT)["serverGroupID"] for n in ("db-a", "db-b")}
    made = server_groups.find(cloud.compute, group)
    assert ids == {made.id}
    assert compute_requests("POST", "os-server-groups") == 1
    for name in ("db-a", "db-b"):
        namespace.delete(name)
        namespace.wait_gone(name, TIMEOUT)
    with pytest.raises(NoMatch):
        server_groups.find(cloud.compute, group)
