"""spec.import and managementPolicy (issue 17, 1): an Instance adopts a server it did not create,
by ID or by exact name, and never creates one; Unmanaged never writes to Nova; a server another
Instance owns is refused; deleting an imported Instance leaves its server unless told otherwise.

Each test counts the simulator's requests by method and path: what the operator did not send is
as much the guarantee as what it did.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from instance_operator.api.names import server_tag
from instance_operator.controller.runtime import Controller
from instance_operator.simulator import Simulator
from tests.controller.test_lifecycle import web
from tests.simulator.client import OpenStack
from tests.support.cluster import Cluster, wait_for

CREATE = "/v2.1/servers"
ACTION = "/v2.1/servers/{server_id}/action"
TIMEOUT = 60.0


@pytest.fixture
def nova(sim: Simulator) -> Iterator[OpenStack]:
    """The Instances' own user, making servers by hand as a person or Terraform would."""
    with OpenStack.login(sim.auth_url, "admin", "admin") as client:
        yield client


def by_hand(nova: OpenStack, name: str, **fields: Any) -> str:
    server_id = str(nova.create_server(name, **fields)["id"])
    nova.wait_for(server_id, "ACTIVE", timeout=TIMEOUT)
    return server_id


def imported(name: str, ref: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """An Instance that imports ``ref``, with neither flavor nor image."""
    instance = web(name)
    for field in ("flavor", "image", "networks"):
        del instance["spec"][field]
    instance["spec"].update(spec, **{"import": ref})
    return instance


def nova_server_status(sim: Simulator, server_id: str) -> str:
    return str((sim.servers.get(server_id) or {}).get("status"))


def writes(sim: Simulator) -> dict[str, int]:
    """Requests that change something in Nova, by method."""
    counters = sim.counters.snapshot()
    return {
        method: counters.count(service="compute", method=method)
        for method in ("POST", "PUT", "DELETE")
    }


def test_import_by_id_tags_the_server_reports_it_and_creates_nothing(
    cluster: Cluster, sim: Simulator, operator: Controller, nova: OpenStack
) -> None:
    server_id = by_hand(nova, "legacy-1", metadata={"owner": "terraform"}, tags=["blue"])
    sim.counters.reset()
    cluster.create(imported("legacy", {"id": server_id}))

    status = cluster.wait_ready("legacy", timeout=TIMEOUT)
    assert status["serverID"] == server_id
    assert status["serverName"] == "legacy-1"  # its own name: no serverName in the spec
    assert status["flavorName"] == "m1.tiny"
    assert status["imageID"] == nova.image_id()
    assert status["powerState"] == "Running"
    matched = cluster.condition("legacy", "SpecMatched")
    assert (matched["status"], matched["reason"]) == ("True", "SpecMatched")
    assert sim.counters.count(method="POST", path=CREATE) == 0

    uid = cluster.get("legacy")["metadata"]["uid"]  # type: ignore[index]
    server = nova.server(server_id)
    assert sorted(server["tags"]) == sorted(["blue", server_tag(uid)])  # its own tags kept
    assert server["metadata"]["owner"] == "terraform"
    assert server["name"] == "legacy-1"
    assert "Imported server legacy-1" in cluster.wait_event("legacy", "Normal", "Adopted")


def test_import_by_name_is_exact_and_uses_the_tags_to_choose(
    cluster: Cluster, sim: Simulator, operator: Controller, nova: OpenStack
) -> None:
    wanted = by_hand(nova, "app.1", tags=["prod"])
    by_hand(nova, "app.1", tags=["staging"])  # the same name, other tags
    by_hand(nova, "appx1", tags=["prod"])  # what an unescaped "." would match
    by_hand(nova, "APP.1", tags=["prod"])  # what a case-blind database would match
    by_hand(nova, "app.10", tags=["prod"])  # what an unanchored pattern would match
    sim.counters.reset()

    cluster.create(imported("app", {"filter": {"name": "app.1", "tags": ["prod"]}}))
    assert cluster.wait_ready("app", timeout=TIMEOUT)["serverID"] == wanted
    assert sim.counters.count(method="POST", path=CREATE) == 0


def test_a_missing_or_ambiguous_import_says_so_and_creates_nothing(
    cluster: Cluster, sim: Simulator, operator: Controller, nova: OpenStack
) -> None:
    first, second = by_hand(nova, "twin"), by_hand(nova, "twin")
    sim.counters.reset()
    cluster.create(imported("twins", {"filter": {"name": "twin"}}))
    cluster.create(imported("nobody", {"filter": {"name": "nobody-here"}}))

    ambiguous = cluster.wait_condition("twins", "Degraded", "ImportAmbiguous", timeout=TIMEOUT)
    assert (
        f"2 servers match spec.import (name 'twin'): {', '.join(sorted([first, second]))}"
        in (ambiguous["message"])
    )
    missing = cluster.wait_condition("nobody", "Degraded", "ImportNotFound", timeout=TIMEOUT)
    assert "name 'nobody-here'" in missing["message"]
    assert cluster.condition("nobody", "Ready")["reason"] == "ImportNotFound"
    assert cluster.status("nobody").get("serverID") is None
    assert sim.counters.count(method="POST", path=CREATE) == 0
    assert writes(sim) == {"POST": 0, "PUT": 0, "DELETE": 0}
    for server_id in (first, second):
        assert not any(t.startswith("iop-uid-") for t in nova.server(server_id)["tags"])

    # Once there is a server of that name, the next slow look (2 s in these tests) finds it.
    later = by_hand(nova, "nobody-here")
    assert cluster.wait_ready("nobody", timeout=TIMEOUT)["serverID"] == later


def test_unmanaged_observes_without_a_single_write_and_refuses_actions(
    cluster: Cluster, sim: Simulator, operator: Controller, nova: OpenStack
) -> None:
    server_id = by_hand(nova, "watched", tags=["blue"])
    sim.counters.reset()
    cluster.create(
        imported(
            "watched",
            {"id": server_id},
            managementPolicy="Unmanaged",
            serverName="renamed",
            tags=["green"],
            metadata={"k": "v"},
            flavor={"name": "m1.small"},
            powerState="Stopped",
            deletionPolicy="Delete",
        )
    )
    status = cluster.wait_ready("watched", timeout=TIMEOUT)
    assert status["serverID"] == server_id
    cluster.annotate("watched", "reboot", "r-1")
    refused = cluster.wait_action("watched", "reboot", "r-1", timeout=TIMEOUT)
    assert refused["result"] == "Failed"
    assert "spec.managementPolicy is Unmanaged" in refused["message"]

    # The server changes by hand: the status follows it all the same.
    assert nova.action(server_id, {"os-stop": None}).status_code == 202
    wait_for(
        "the stop to show",
        lambda: cluster.status("watched").get("powerState") == "Shutdown",
        TIMEOUT,
    )
    sim.counters.reset()  # from here on, only the operator's requests
    cluster.delete("watched")
    cluster.wait_gone("watched", timeout=TIMEOUT)
    assert writes(sim) == {"POST": 0, "PUT": 0, "DELETE": 0}
    server = nova.server(server_id)
    assert server["name"] == "watched"
    assert server["tags"] == ["blue"]
    assert server["status"] == "SHUTOFF"


def test_switching_to_managed_converges_only_what_the_spec_gives(
    cluster: Cluster, sim: Simulator, operator: Controller, nova: OpenStack
) -> None:
    server_id = by_hand(nova, "legacy-2", tags=["blue"], metadata={"owner": "tf"})
    cluster.create(imported("legacy", {"id": server_id}, managementPolicy="Unmanaged"))
    cluster.wait_ready("legacy", timeout=TIMEOUT)
    assert nova.server(server_id)["tags"] == ["blue"]  # not even tagged while Unmanaged

    cluster.patch_spec("legacy", {"managementPolicy": "Managed", "tags": ["green"]})
    uid = cluster.get("legacy")["metadata"]["uid"]  # type: ignore[index]
    wait_for(
        "the tags to converge",
        lambda: sorted(nova.server(server_id)["tags"]) == sorted(["green", server_tag(uid)]),
        TIMEOUT,
    )
    cluster.wait_ready("legacy", timeout=TIMEOUT)
    server = nova.server(server_id)
    assert server["name"] == "legacy-2"  # no serverName: kept
    assert server["metadata"]["owner"] == "tf"  # no metadata in the spec: kept


def test_immutable_differences_are_reported_never_fixed(
    cluster: Cluster, sim: Simulator, operator: Controller, nova: OpenStack
) -> None:
    server_id = by_hand(nova, "odd")
    sim.counters.reset()
    cluster.create(
        imported(
            "odd",
            {"id": server_id},
            image={"name": "ubuntu-24.04"},
            keyName="ops-key",
            flavor={"name": "m1.small"},
        )
    )
    matched = cluster.wait(
        "SpecMatched to say how the server differs",
        lambda: (
            differs
            if (differs := cluster.condition("odd", "SpecMatched")).get("status") == "False"
            else None
        ),
        TIMEOUT,
        "odd",
    )
    assert matched["reason"] == "ImportedServerDiffers"
    assert "image (spec: ubuntu-24.04, server: " in matched["message"]
    assert "keyName (spec: ops-key, server: none)" in matched["message"]
    # The flavor is not immutable: it converges by a resize.
    wait_for(
        "the resize to m1.small",
        lambda: cluster.status("odd").get("flavorName") == "m1.small",
        TIMEOUT,
    )
    cluster.wait_ready("odd", timeout=TIMEOUT)
    assert sim.counters.count(method="POST", path=CREATE) == 0
    assert sim.counters.count(method="DELETE", path="/v2.1/servers/{server_id}") == 0
    assert nova.server(server_id)["status"] == "ACTIVE"


def test_a_server_another_instance_owns_is_refused(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web("owner"))
    server_id = cluster.wait_ready("owner", timeout=TIMEOUT)["serverID"]
    cluster.create(imported("thief", {"id": server_id}))
    conflict = cluster.wait_condition("thief", "Degraded", "ImportConflict", timeout=TIMEOUT)
    assert f"belongs to Instance {cluster.namespace}/owner" in conflict["message"]
    assert cluster.status("thief").get("serverID") is None

    # Released by its owner (Orphan), the server can be imported: the round trip.
    cluster.patch_spec("owner", {"deletionPolicy": "Orphan"})
    cluster.delete("owner")
    cluster.wait_gone("owner", timeout=TIMEOUT)
    assert cluster.wait_ready("thief", timeout=TIMEOUT)["serverID"] == server_id
    assert sim.counters.count(method="POST", path=CREATE) == 1  # the owner's only
    assert sim.counters.count(method="POST", path=ACTION) == 0  # no reboot, no resize
    assert nova_server_status(sim, server_id) == "ACTIVE"


def test_deleting_an_imported_instance_orphans_unless_delete_is_asked(
    cluster: Cluster, sim: Simulator, operator: Controller, nova: OpenStack
) -> None:
    kept, deleted = by_hand(nova, "kept"), by_hand(nova, "deleted")
    cluster.create(imported("kept", {"id": kept}))
    cluster.create(imported("deleted", {"id": deleted}, deletionPolicy="Delete"))
    cluster.wait_ready("kept", timeout=TIMEOUT)
    cluster.wait_ready("deleted", timeout=TIMEOUT)
    actions_before = sim.counters.count(method="POST", path=ACTION)

    cluster.delete("kept")
    cluster.delete("deleted")
    cluster.wait_gone("kept", timeout=TIMEOUT)
    cluster.wait_gone("deleted", timeout=TIMEOUT)
    server = nova.server(kept)
    assert server["status"] == "ACTIVE"
    assert not any(t.startswith("iop-uid-") for t in server["tags"])  # released, untagged
    assert sim.servers.get(deleted) is None or sim.servers.get(deleted)["status"] == "DELETED"  # type: ignore[index]
    assert sim.counters.count(method="POST", path=ACTION) == actions_before  # no reboot
