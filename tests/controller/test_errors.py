"""What goes wrong: user errors become Degraded with a reason and a way out; cloud trouble becomes
Progressing and converges; nothing is ever created twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from instance_operator.controller.runtime import Controller
from instance_operator.simulator import Simulator, SimulatorConfig
from instance_operator.simulator.config import ImageSeed, Quota
from tests.controller.test_lifecycle import reasons, web
from tests.support.cluster import CLOUD, SECRET, Cluster, running_cluster, wait_for
from tests.support.old_crd import install_old_crd
from tests.support.operator_thread import operator_running
from tests.support.timings import FAST_CLOUD

WRONG_PASSWORD = "WRONG-pw-7731"


def everything_said(cluster: Cluster, name: str) -> str:
    """Every message the operator wrote about an Instance: conditions, actions, Events."""
    status = cluster.status(name)
    parts = [c["message"] for c in status.get("conditions") or []]
    parts += [a.get("message", "") for a in (status.get("actions") or {}).values()]
    parts += [message for _, _, message in cluster.events(name)]
    return "\n".join(parts)


def test_unknown_flavor_is_degraded_until_the_spec_is_fixed(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(flavor={"name": "m1.huge"}))
    degraded = cluster.wait_condition("web-1", "Degraded", "FlavorNotFound")
    assert "spec.flavor.name" in degraded["message"]
    assert "m1.small" in degraded["message"]  # the message lists what exists
    assert cluster.condition("web-1", "Ready")["status"] == "False"
    assert cluster.condition("web-1", "Stalled")["status"] == "True"
    cluster.wait_event("web-1", "Warning", "FlavorNotFound")
    assert sim.servers.count() == 0
    cluster.patch_spec("web-1", {"flavor": {"name": "m1.small"}})
    cluster.wait_ready("web-1", timeout=10)  # at once, not after the slow retry
    assert cluster.condition("web-1", "Degraded")["status"] == "False"


def test_a_user_error_is_retried_slowly_not_in_a_hot_loop(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(image={"name": "no-such-image"}))
    cluster.wait_condition("web-1", "Degraded", "ImageNotFound")
    before = sim.counters.count(service="image")
    time.sleep(3)
    # user_error_retry is 2 s in the test settings: at most two retries, a few lookups each
    assert sim.counters.count(service="image") - before <= 4
    assert len([r for r in reasons(cluster, "web-1") if r[1] == "ImageNotFound"]) == 1


def test_missing_secret_then_created(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster.create(web(cloudCredentialsRef={"secretName": "not-yet", "cloudName": CLOUD}))
    degraded = cluster.wait_condition("web-1", "Degraded", "SecretNotFound")
    assert "default/not-yet" in degraded["message"]
    cluster.put_secret("not-yet", {"clouds.yaml": sim.clouds_yaml(cloud_name=CLOUD)})
    cluster.wait_ready("web-1", timeout=10)


def test_secret_without_the_key(cluster: Cluster, sim: Simulator, operator: Controller) -> None:
    cluster.put_secret("wrong-key", {"cloud.yaml": "x"})
    cluster.create(web(cloudCredentialsRef={"secretName": "wrong-key", "cloudName": CLOUD}))
    degraded = cluster.wait_condition("web-1", "Degraded", "SecretKeyMissing")
    assert "cloud.yaml" in degraded["message"]  # it says which keys there are


def test_malformed_clouds_yaml(cluster: Cluster, sim: Simulator, operator: Controller) -> None:
    cluster.put_secret(
        "broken",
        {"clouds.yaml": f"clouds:\n  {CLOUD}:\n    auth:\n      password: {WRONG_PASSWORD}\n"},
    )
    cluster.create(web(cloudCredentialsRef={"secretName": "broken", "cloudName": CLOUD}))
    degraded = cluster.wait_condition("web-1", "Degraded", "InvalidCloudsYaml")
    assert "auth_url" in degraded["message"]
    assert WRONG_PASSWORD not in everything_said(cluster, "web-1")


def test_wrong_password_then_rotated(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    good = sim.clouds_yaml(cloud_name=CLOUD)
    cluster.put_secret(
        SECRET, {"clouds.yaml": good.replace("password: admin", f"password: {WRONG_PASSWORD}")}
    )
    cluster.create(web())
    cluster.wait_condition("web-1", "Degraded", "AuthenticationFailed")
    assert WRONG_PASSWORD not in everything_said(cluster, "web-1")
    cluster.put_secret(SECRET, {"clouds.yaml": good})
    cluster.wait_ready("web-1", timeout=15)


def test_unknown_cloud_name(cluster: Cluster, sim: Simulator, operator: Controller) -> None:
    cluster.create(web(cloudCredentialsRef={"secretName": SECRET, "cloudName": "elsewhere"}))
    degraded = cluster.wait_condition("web-1", "Degraded", "InvalidCloudsYaml")
    assert "elsewhere" in degraded["message"]


@pytest.fixture
def old_crd(cluster: Cluster) -> Cluster:
    """The Instance CRD as an older release installed it, without the CEL rules that now refuse
    a bad or changed spec at the API server: the operator must still refuse to act on one."""
    install_old_crd(cluster.api)
    return cluster


def test_invalid_spec_that_an_old_crd_let_through(
    old_crd: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster = old_crd
    cluster.create(web(flavor={"name": "m1.small", "id": "2"}))  # CEL would refuse this
    degraded = cluster.wait_condition("web-1", "Degraded", "InvalidSpec")
    assert "spec.flavor" in degraded["message"]
    assert sim.servers.count() == 0


def test_immutable_change_that_an_old_crd_let_through(
    old_crd: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster = old_crd
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    cluster.patch_spec("web-1", {"image": {"name": "ubuntu-24.04"}})
    degraded = cluster.wait_condition("web-1", "Degraded", "ImmutableFieldChanged")
    assert "spec.image" in degraded["message"]
    assert (sim.servers.get(server_id) or {})["status"] == "ACTIVE"  # nothing destroyed

    cluster.patch_spec("web-1", {"image": {"name": "cirros-0.6.2-x86_64-disk"}})
    cluster.wait_ready("web-1")
    assert sim.servers.count() == 1


def test_changed_credentials_never_make_a_server_lost_or_leak_it_on_delete(
    old_crd: Cluster, sim: Simulator, operator: Controller
) -> None:
    cluster = old_crd
    cluster.create(web())
    server_id = cluster.wait_ready("web-1")["serverID"]
    demo = sim.clouds_yaml(cloud_name=CLOUD, user="demo")  # another project: the server is unseen
    cluster.put_secret("demo-creds", {"clouds.yaml": demo})
    cluster.patch_spec("web-1", {"cloudCredentialsRef": {"secretName": "demo-creds"}})
    degraded = cluster.wait_condition("web-1", "Degraded", "ImmutableFieldChanged")
    assert "spec.cloudCredentialsRef" in degraded["message"]
    assert cluster.status("web-1")["phase"] == "Active"
    assert "ServerLost" not in [reason for _, reason in reasons(cluster, "web-1")]

    cluster.delete("web-1")
    wait_for(
        "the delete to be refused",
        lambda: any(
            "Cannot delete server" in message and "Revert spec.cloudCredentialsRef" in message
            for kind, reason, message in cluster.events("web-1")
            if (kind, reason) == ("Warning", "ImmutableFieldChanged")
        ),
    )
    assert cluster.get("web-1") is not None
    assert (sim.servers.get(server_id) or {})["status"] == "ACTIVE"

    cluster.patch_spec("web-1", {"cloudCredentialsRef": {"secretName": SECRET}})
    cluster.wait_gone("web-1")
    assert sim.servers.count() == 0


def test_quota_exceeded(tmp_path: Path) -> None:
    with (
        Simulator(SimulatorConfig(durations=FAST_CLOUD, quota=Quota(instances=1))).running() as sim,
        running_cluster(tmp_path) as cluster,
    ):
        cluster.put_secret(SECRET, {"clouds.yaml": sim.clouds_yaml(cloud_name=CLOUD)})
        with operator_running(cluster.kubeconfig):
            cluster.create(web("web-1"))
            cluster.wait_ready("web-1")
            cluster.create(web("web-2"))
            degraded = cluster.wait_condition("web-2", "Degraded", "QuotaExceeded")
            assert "Quota exceeded" in degraded["message"]
            cluster.delete("web-1")  # capacity comes back: the slow retry picks it up
            cluster.wait_ready("web-2", timeout=20)


def test_ambiguous_image_name(tmp_path: Path) -> None:
    twins = [
        ImageSeed(name="cirros-0.6.2-x86_64-disk", id="11111111-1111-4111-8111-111111111111"),
        ImageSeed(name="cirros-0.6.2-x86_64-disk", id="22222222-2222-4222-8222-222222222222"),
    ]
    config = SimulatorConfig(durations=FAST_CLOUD, images=twins)
    with Simulator(config).running() as sim, running_cluster(tmp_path) as cluster:
        cluster.put_secret(SECRET, {"clouds.yaml": sim.clouds_yaml(cloud_name=CLOUD)})
        with operator_running(cluster.kubeconfig):
            cluster.create(web())
            degraded = cluster.wait_condition("web-1", "Degraded", "AmbiguousName")
            assert "spec.image.id" in degraded["message"]


@pytest.fixture
def flaky(sim: Simulator) -> Iterator[Simulator]:
    sim.faults.set(
        error_rate=0.2, error_status=503, reset_rate=0.05, timeout_rate=0.05, timeout_seconds=2
    )
    yield sim
    sim.faults.clear()


def test_converges_through_errors_resets_and_timeouts(
    cluster: Cluster, flaky: Simulator, operator: Controller
) -> None:
    for index in range(3):
        cluster.create(web(f"web-{index}"))
    for index in range(3):
        cluster.wait_ready(f"web-{index}", timeout=60)
    assert flaky.servers.count() == 3


def test_a_create_whose_answer_is_lost_makes_one_server(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    sim.faults.set(fail_next_creates=1, fail_create_status=500, fail_create_after_commit=True)
    cluster.create(web())
    cluster.wait_ready("web-1")
    assert sim.servers.count() == 1


def test_tokens_that_expire_quickly(cluster: Cluster, sim: Simulator, operator: Controller) -> None:
    sim.faults.set(token_ttl=1)
    sim.expire_tokens()
    cluster.create(web())
    cluster.wait_ready("web-1")
    cluster.annotate("web-1", "reboot", "after-expiry")
    time.sleep(1.5)
    assert cluster.wait_action("web-1", "reboot", "after-expiry")["result"] == "Succeeded"


def test_status_write_failing_after_create_makes_no_second_server(
    cluster: Cluster, sim: Simulator, operator: Controller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The create reaches Nova, then the write that would record its server ID fails three times:
    the server is found by its tag and adopted, never made again."""
    builds = sim.faults.take_build_error  # called while Nova makes the server, before it answers
    made: list[str] = []

    def build_then_fail_the_next_writes() -> str | None:
        if not made:
            cluster.kube.faults.inject("error", verbs=["patch"], resource="instances", count=3)
        made.append("server")
        return builds()

    monkeypatch.setattr(sim.faults, "take_build_error", build_then_fail_the_next_writes)
    cluster.create(web())
    status = cluster.wait_ready("web-1", timeout=60)
    assert cluster.kube.faults.rules() == []  # all three failures landed after the create
    assert [s["id"] for s in sim.servers.list(include_deleted=True)] == [status["serverID"]]
    # Events are posted after the status write that the wait saw: wait for it too.
    cluster.wait_event("web-1", "Normal", "Adopted", timeout=30)
