"""Each injected fault, seen from a client over HTTP, and the request counters."""

from __future__ import annotations

import threading
import time

import pydantic
import pytest
import requests

from instance_operator.simulator import Simulator
from instance_operator.simulator.config import fast_config
from tests.simulator.client import TIMEOUT, OpenStack


def test_latency_delays_only_the_chosen_services(simulator: Simulator, admin: OpenStack) -> None:
    simulator.faults.set(latency=0.5, services=["compute"])
    started = time.perf_counter()
    assert admin.get("compute", "/flavors").status_code == 200
    assert time.perf_counter() - started >= 0.5
    # Ten minutes of latency on compute: an image request that waited for it would time out.
    simulator.faults.set(latency=600.0)
    assert admin.get("image", "/v2/images").status_code == 200


@pytest.mark.parametrize(
    ("service", "path", "shape"),
    [
        ("compute", "/servers", "computeFault"),
        ("network", "/v2.0/networks", "NeutronError"),
    ],
)
def test_error_rate_500_in_the_services_shape(
    simulator: Simulator, admin: OpenStack, service: str, path: str, shape: str
) -> None:
    simulator.faults.set(error_rate=1.0)
    response = admin.get(service, path)
    assert response.status_code == 500
    assert shape in response.json()
    assert response.headers["x-openstack-request-id"].startswith("req-")


def test_identity_500_and_image_500(simulator: Simulator, admin: OpenStack) -> None:
    simulator.faults.set(error_rate=1.0)
    image = admin.get("image", "/v2/images")
    assert image.status_code == 500
    assert image.headers["Content-Type"].startswith("text/html")
    login = requests.post(f"{simulator.auth_url}/auth/tokens", json={}, timeout=TIMEOUT)
    assert login.status_code == 500
    assert login.json()["error"]["title"] == "Internal Server Error"


def test_503_is_a_load_balancer_page(simulator: Simulator, admin: OpenStack) -> None:
    simulator.faults.set(error_rate=1.0, error_status=503)
    response = admin.get("compute", "/servers")
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert "No server is available" in response.text


def test_error_rate_is_a_rate(admin: OpenStack) -> None:
    config = fast_config(random_seed=7, faults={"error_rate": 0.5, "services": ["compute"]})
    with (
        Simulator(config).running() as sim,
        OpenStack.login(sim.auth_url, "admin", "admin") as client,
    ):
        statuses = [client.get("compute", "/flavors").status_code for _ in range(200)]
        assert 60 < statuses.count(500) < 140
        assert statuses.count(200) == 200 - statuses.count(500)
        assert sim.counters.count(
            service="compute", path="/v2.1/flavors", status=500
        ) == statuses.count(500)


def test_connection_reset(simulator: Simulator, admin: OpenStack) -> None:
    simulator.faults.set(reset_rate=1.0, services=["compute"])
    with pytest.raises(requests.ConnectionError):
        admin.get("compute", "/servers")
    assert simulator.counters.count(service="compute", status=0) == 1


def test_timeout_hangs_longer_than_the_client_waits(simulator: Simulator, admin: OpenStack) -> None:
    simulator.faults.set(timeout_rate=1.0, timeout_seconds=30, services=["compute"])
    started = time.perf_counter()
    with pytest.raises(requests.Timeout):
        admin.session.get(
            f"{admin.endpoints['compute']}/servers",
            headers={"X-Auth-Token": admin.token},
            timeout=0.3,
        )
    assert time.perf_counter() - started < 5


def test_over_limit_with_retry_after(simulator: Simulator, admin: OpenStack) -> None:
    simulator.faults.set(
        over_limit_rate=1.0, over_limit_status=413, retry_after=7, services=["compute"]
    )
    response = admin.get("compute", "/servers")
    assert response.status_code == 413
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {
        "overLimit": {"code": 413, "message": "This request was rate-limited.", "retryAfter": "7"}
    }


def test_fail_next_creates(simulator: Simulator, admin: OpenStack) -> None:
    simulator.faults.set(fail_next_creates=2, fail_create_status=429, retry_after=3)
    for _ in range(2):
        body = {
            "server": {
                "name": "x",
                "flavorRef": admin.flavor_id("m1.tiny"),
                "imageRef": admin.image_id(),
                "networks": "none",
            }
        }
        refused = admin.post("compute", "/servers", json=body)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "3"
        assert refused.json()["overLimit"]["retryAfter"] == "3"
    assert simulator.servers.count() == 0
    assert simulator.faults.get().fail_next_creates == 0
    admin.create_server()
    assert simulator.servers.count() == 1


def test_a_failed_create_after_commit_still_makes_the_server(
    simulator: Simulator, admin: OpenStack
) -> None:
    simulator.faults.set(fail_next_creates=1, fail_create_after_commit=True)
    body = {
        "server": {
            "name": "lost",
            "flavorRef": admin.flavor_id("m1.tiny"),
            "imageRef": admin.image_id(),
            "networks": "none",
        }
    }
    response = admin.post("compute", "/servers", json=body)
    assert response.status_code == 500
    assert "Unexpected API Error" in response.json()["computeFault"]["message"]
    (server,) = admin.get("compute", "/servers", params={"name": "^lost$"}).json()["servers"]
    actions = admin.get("compute", f"/servers/{server['id']}/os-instance-actions").json()[
        "instanceActions"
    ]
    assert actions[0]["request_id"] == response.headers["x-openstack-request-id"]


def test_delete_out_of_band(simulator: Simulator, admin: OpenStack) -> None:
    server_id = admin.create_server()["id"]
    admin.wait_for(server_id, "ACTIVE")
    simulator.servers.delete(server_id)
    assert admin.get("compute", f"/servers/{server_id}").status_code == 404
    actions = admin.get(
        "compute", f"/servers/{server_id}/os-instance-actions", version="2.21"
    ).json()
    assert actions["instanceActions"][0]["action"] == "delete"
    with pytest.raises(KeyError):
        simulator.servers.delete(server_id)


def test_invalid_fault_settings_are_refused(simulator: Simulator) -> None:
    with pytest.raises(pydantic.ValidationError):
        simulator.faults.set(error_rate=0.7, reset_rate=0.7)
    with pytest.raises(pydantic.ValidationError):
        simulator.faults.set(nonsense=1)
    assert simulator.faults.get().error_rate == 0


def test_counters_by_template_and_status(simulator: Simulator, admin: OpenStack) -> None:
    server_id = admin.create_server()["id"]
    admin.get("compute", f"/servers/{server_id}")
    admin.get("compute", "/servers/nope")
    counters = simulator.counters
    assert (
        counters.count(service="identity", method="POST", path="/v3/auth/tokens", status=201) == 1
    )
    assert (
        counters.count(
            service="compute", method="GET", path="/v2.1/servers/{server_id}", status=200
        )
        == 1
    )
    assert counters.count(service="compute", path="/v2.1/servers/{server_id}", status=404) == 1
    assert counters.count(service="compute", method="POST", path="/v2.1/servers", status=202) == 1
    assert counters.count(service="image", path="/v2/images") == 1
    counters.reset()
    assert counters.snapshot().requests == []


def test_max_requests_per_second_shows_a_client_rate_limit(
    simulator: Simulator, admin: OpenStack
) -> None:
    simulator.clock.freeze()  # the counters' seconds are the simulator's: stepped, not raced
    for _ in range(30):
        admin.get("compute", "/flavors")
    assert simulator.counters.max_requests_per_second("compute") == 30
    simulator.counters.reset()
    for _ in range(11):  # a client limited to 8 requests per second
        admin.get("compute", "/flavors")
        simulator.clock.advance(1 / 8)
    assert simulator.counters.max_requests_per_second("compute") == 8


def test_concurrent_clients_are_counted_exactly(simulator: Simulator, admin: OpenStack) -> None:
    def worker() -> None:
        with requests.Session() as session:
            for _ in range(25):
                session.get(
                    f"{admin.endpoints['compute']}/flavors",
                    headers={"X-Auth-Token": admin.token},
                    timeout=TIMEOUT,
                )

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert simulator.counters.count(service="compute", path="/v2.1/flavors", status=200) == 100
