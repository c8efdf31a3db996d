"""The examples as written, then a user's edits and deletions, against the operator process."""

from __future__ import annotations

import pytest

from instance_operator.openstack.cloud import Cloud
from instance_operator.openstack.compute import flavors, servers
from instance_operator.openstack.errors import NotFound
from instance_operator.openstack.image import images
from instance_operator.sandbox import FULL, MINIMAL, Box, Cluster, example
from tests.e2e.support import nova_actions, web


def test_the_examples_become_ready(cluster: Cluster, cloud: Cloud) -> None:
    cluster.create(example(MINIMAL))
    cluster.create(example(FULL))

    db = cluster.wait_ready("db-1")
    assert db["phase"] == "Active"
    assert db["powerState"] == "Running"
    assert db["flavorName"] == "m1.medium"
    assert db["serverName"] == "db-primary"
    ips = {(a["network"], a["ip"]) for a in db["addresses"]}
    assert ("private", "10.0.0.50") in ips  # the fixed IP the example asks for
    assert {network for network, _ in ips} == {"private", "storage"}
    snapshot = cluster.wait_action("db-1", "snapshot", "before-upgrade")  # set at creation
    assert snapshot["result"] == "Succeeded", snapshot
    (image,) = cluster.status("db-1")["snapshots"]
    assert image["imageName"] == "db-primary-before-upgrade"

    web_1 = cluster.wait_ready("web-1")
    assert web_1["serverName"] == f"{cluster.namespace}-web-1"
    assert "addresses" not in web_1  # the minimal example asks for no network

    server = servers.get(cloud.compute, db["serverID"])
    assert server.key_name == "ops-key"
    assert server.metadata["team"] == "payments"
    assert {"prod", "postgres"} <= set(server.tags or [])
    assert {g.name for g in server.security_groups} == {"default", "db"}
    assert nova_actions(cloud, db["serverID"]) == ["create", "createImage"]
    for name in ("web-1", "db-1"):
        assert ("Normal", "Created") in cluster.reasons(name)
    assert ("Normal", "SnapshotCreated") in cluster.reasons("db-1")


def test_metadata_tags_and_flavor_follow_the_spec(cluster: Cluster, cloud: Cloud) -> None:
    cluster.create(web(metadata={"team": "a"}, tags=["blue"]))
    server_id = cluster.wait_ready("web-1")["serverID"]

    cluster.patch_spec("web-1", {"metadata": {"team": "b", "tier": "web"}, "tags": ["green"]})
    cluster.wait_ready("web-1")  # for generation 2
    server = servers.get(cloud.compute, server_id)
    assert server.metadata["team"] == "b"
    assert server.metadata["tier"] == "web"
    assert "green" in (server.tags or [])
    assert "blue" not in (server.tags or [])
    assert ("Normal", "Updated") in cluster.reasons("web-1")

    cluster.patch_spec("web-1", {"flavor": {"name": "m1.medium"}})
    status = cluster.wait_ready("web-1")  # for generation 3
    assert status["flavorName"] == "m1.medium"
    assert status["serverID"] == server_id  # resized in place, not replaced
    assert servers.get(cloud.compute, server_id).flavor_name == "m1.medium"
    assert ("Normal", "Resized") in cluster.reasons("web-1")
    assert "resize" in nova_actions(cloud, server_id)


def test_delete_removes_or_orphans_the_server(box: Box, cluster: Cluster, cloud: Cloud) -> None:
    cluster.create(web("doomed"))
    cluster.create(web("kept", deletionPolicy="Orphan", metadata={"team": "a"}))
    doomed = cluster.wait_ready("doomed")["serverID"]
    kept = cluster.wait_ready("kept")["serverID"]

    cluster.delete("doomed")
    cluster.delete("kept")
    cluster.wait_gone("doomed")
    cluster.wait_gone("kept")

    with pytest.raises(NotFound):
        servers.get(cloud.compute, doomed)
    server = servers.get(cloud.compute, kept)
    assert server.status == "ACTIVE"
    assert server.metadata["team"] == "a"  # the user's metadata stays ...
    assert not any(t.startswith("iop-uid-") for t in server.tags or [])  # ... the operator's goes
    assert ("Normal", "Deleted") in cluster.reasons("doomed")
    assert ("Normal", "Orphaned") in cluster.reasons("kept")


def test_the_import_example_observes_a_server_made_by_hand(cluster: Cluster, cloud: Cloud) -> None:
    minimal = example(MINIMAL)["spec"]
    created = servers.create(
        cloud.compute,
        servers.CreateOpts(
            name="legacy-web-01",
            flavor_ref=flavors.find(cloud.compute, minimal["flavor"]["name"]).id,
            image_ref=images.find(cloud.image, minimal["image"]["name"]).id,
            networks="none",
            tags=["web"],
        ),
    )
    cluster.create(example("instance-import.yaml"))
    status = cluster.wait_ready("legacy-web")
    assert status["serverID"] == created.id
    assert status["serverName"] == "legacy-web-01"
    assert servers.get(cloud.compute, created.id).tags == ["web"]  # Unmanaged: not even tagged
