"""Over HTTP against the simulator: the auth flows, re-authentication on expiry and on 401
(one for all concurrent callers), catalog errors and microversion negotiation."""

from __future__ import annotations

import logging
import threading
import time
import types

import pytest
from pydantic import SecretStr

from instance_operator.openstack import auth, errors, provider
from instance_operator.openstack.compute import flavors, servers
from instance_operator.openstack.config import CloudConfig, TokenAuth, load_clouds_yaml
from instance_operator.openstack.microversion import Microversion
from instance_operator.openstack.settings import RetryPolicy, Settings
from instance_operator.simulator import Simulator, SimulatorConfig
from instance_operator.simulator.config import Microversions
from tests.openstack.conftest import FAST, MakeCloud
from tests.openstack.counted_faults import fault_first

TOKENS = "/v3/auth/tokens"


def _token_posts(sim: Simulator, status: int | None = None) -> int:
    return sim.counters.count(service="identity", method="POST", path=TOKENS, status=status)


def test_password_application_credential_and_token_auth(
    sim: Simulator, make_cloud: MakeCloud
) -> None:
    password = make_cloud()
    assert password.project_id
    assert password.provider.token().body.methods == ["password"]
    app = make_cloud(
        load_clouds_yaml(sim.clouds_yaml("app", application_credential="demo-app"), "app")
    )
    assert app.provider.token().body.methods == ["application_credential"]
    assert app.project_id != password.project_id  # the credential's owner is in project demo
    token = password.provider.token()
    rescoped = make_cloud(
        CloudConfig(
            name="tok",
            auth_type="token",
            auth=TokenAuth(
                auth_url=sim.auth_url,
                token=SecretStr(token.value.get_secret_value()),
                project_id=password.project_id,
            ),
        )
    )
    assert rescoped.provider.token().body.methods == ["token"]
    assert list(flavors.list_flavors(rescoped.compute))


def test_horizon_clouds_yaml_authenticates(sim: Simulator, make_cloud: MakeCloud) -> None:
    """Horizon's download: username, project_id and project_name, no project domain."""
    seed = sim.config.users[0]
    text = f"""
clouds:
  openstack:
    auth:
      auth_url: {sim.auth_url}
      username: {seed.name}
      password: {seed.password}
      project_id: {sim.config.project(seed.project).id}
      project_name: {seed.project}
      user_domain_name: {sim.config.domain.name}
    region_name: {sim.config.region}
"""
    cloud = make_cloud(load_clouds_yaml(text, "openstack"))
    assert cloud.project_id == sim.config.project(seed.project).id


def test_wrong_password_fails_once_for_a_while(
    sim: Simulator, make_cloud: MakeCloud, sim_config: CloudConfig
) -> None:
    secret = "not-the-password"
    auth = sim_config.auth.model_copy(update={"password": SecretStr(secret)})
    cloud = make_cloud(sim_config.model_copy(update={"auth": auth}))
    for _ in range(5):
        with pytest.raises(errors.AuthenticationFailed) as caught:
            _ = cloud.compute
        assert secret not in str(caught.value)
        assert caught.value.request_id
    assert _token_posts(sim, 401) == 1  # the failure is handed out again, Keystone asked once


class SteppedClocks:
    """Both clocks a token's life is measured on, stopped, and stepped together by the test: the
    simulator's (issue and expiry) and the client's monotonic clock (refresh and failure hold)."""

    def __init__(self, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
        self._sim = sim
        self._now = 0.0
        stepped = types.SimpleNamespace(monotonic=lambda: self._now, time=time.time)
        monkeypatch.setattr(auth, "time", stepped)
        monkeypatch.setattr(provider, "time", stepped)
        sim.clock.freeze()

    def step(self, seconds: float) -> None:
        self._now += seconds
        self._sim.clock.advance(seconds)


def test_reauthentication_before_expiry(
    sim: Simulator, make_cloud: MakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim.faults.set(token_ttl=1.0)
    clocks = SteppedClocks(sim, monkeypatch)
    compute = make_cloud().compute
    for _ in range(28):  # 1.75 s in steps of 1/16 s
        list(flavors.list_flavors(compute))
        clocks.step(1 / 16)
    assert _token_posts(sim, 201) == 4  # at 0 s, then half-way through each 1 s token
    assert sim.counters.count(service="compute", status=401) == 0


def test_keystone_503_and_lost_answers_are_retried(
    sim: Simulator, make_cloud: MakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token POST creates nothing, so it is repeated like a GET."""
    settings = FAST.model_copy(
        update={"retry": RetryPolicy(retries=4, backoff_factor=0.4, backoff_jitter=0.0)}
    )
    fault_first(sim, monkeypatch, 2, error_rate=1.0, error_status=503, services=("identity",))
    assert make_cloud(settings=settings).provider.token()  # attempts at 0, 0 and 0.8 s
    assert (_token_posts(sim, 503), _token_posts(sim, 201)) == (2, 1)
    sim.faults.set(reset_rate=1.0, services=("identity",))
    with pytest.raises(errors.ResponseLost):
        make_cloud().provider.token()
    assert _token_posts(sim) == 3 + 1 + FAST.retry.retries


def test_a_failed_early_refresh_keeps_the_valid_token(
    sim: Simulator, make_cloud: MakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keystone failing while the token still has time left costs no call; it is asked again
    after ``auth_failure_hold``, and its error only surfaces once the token has expired."""
    settings = FAST.model_copy(
        update={"retry": RetryPolicy(retries=1, backoff_factor=0.0), "auth_failure_hold": 0.3}
    )
    sim.faults.set(token_ttl=2.0)
    clocks = SteppedClocks(sim, monkeypatch)
    cloud = make_cloud(settings=settings)
    compute = cloud.compute
    first = cloud.provider.token()
    clocks.step(1.05)  # past half its life: due for refresh
    sim.faults.set(error_rate=1.0, error_status=503, services=("identity",))
    assert list(flavors.list_flavors(compute))
    assert list(flavors.list_flavors(compute))
    assert cloud.provider.token() is first
    assert _token_posts(sim, 503) == 2  # one refresh (and its retry), then held
    clocks.step(0.25)
    assert list(flavors.list_flavors(compute))
    assert _token_posts(sim, 503) == 2  # still held
    clocks.step(0.1)
    assert list(flavors.list_flavors(compute))
    assert _token_posts(sim, 503) == 4  # asked again after the hold, token still in use
    clocks.step(first.seconds_left() + 0.05)
    with pytest.raises(errors.ServiceUnavailable):
        list(flavors.list_flavors(compute))
    sim.faults.set(error_rate=0.0)
    clocks.step(0.35)
    assert list(flavors.list_flavors(compute))
    assert cloud.provider.token() is not first
    assert sim.counters.count(service="compute", status=401) == 0


def test_reauthentication_on_401_is_shared(sim: Simulator, make_cloud: MakeCloud) -> None:
    cloud = make_cloud()
    compute = cloud.compute
    assert _token_posts(sim) == 1
    sim.expire_tokens()
    barrier = threading.Barrier(12)
    failures: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            list(flavors.list_flavors(compute))
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert _token_posts(sim) == 2  # one re-authentication for all twelve threads
    assert sim.counters.count(service="compute", status=401) >= 1


def test_a_401_after_reauthentication_is_raised(
    sim: Simulator, make_cloud: MakeCloud, sim_config: CloudConfig
) -> None:
    cloud = make_cloud()
    compute = cloud.compute
    sim.expire_tokens()
    sim.faults.set(token_ttl=0.0)  # every new token is born expired
    with pytest.raises(errors.Unauthorized):
        servers.get(compute, "x")
    assert _token_posts(sim) >= 2


def test_catalog_errors(sim: Simulator, make_cloud: MakeCloud, sim_config: CloudConfig) -> None:
    cloud = make_cloud()
    with pytest.raises(errors.ServiceNotFound) as missing:
        cloud.provider.endpoint("volumev3")
    assert {"compute", "identity", "image", "network"} <= {
        a.split(" ")[0] for a in missing.value.available
    }
    elsewhere = make_cloud(sim_config.model_copy(update={"region_name": "RegionTwo"}))
    with pytest.raises(errors.EndpointNotFound) as region:
        _ = elsewhere.compute
    assert "RegionOne/public" in region.value.available
    assert type(region.value) is errors.EndpointNotFound


def test_compute_url_with_project_id() -> None:
    config = SimulatorConfig(compute_url_with_project_id=True)
    with Simulator(config).running() as sim:
        cloud_config = load_clouds_yaml(sim.clouds_yaml(cloud_name="s"), "s")
        from instance_operator.openstack.cloud import connect

        cloud = connect(cloud_config, FAST)
        try:
            assert cloud.compute.endpoint.endswith(f"/{cloud.project_id}")
            assert cloud.compute.microversion == Microversion(2, 104)
            assert list(flavors.list_flavors(cloud.compute))
        finally:
            cloud.close()


@pytest.mark.parametrize(
    ("server_max", "pinned", "expected"),
    [("2.104", None, "2.104"), ("2.79", None, "2.79"), ("2.104", "2.60", "2.60")],
)
def test_microversion_negotiation(server_max: str, pinned: str | None, expected: str) -> None:
    config = SimulatorConfig(microversions=Microversions(max=server_max))
    with Simulator(config).running() as sim:
        cloud_config = load_clouds_yaml(sim.clouds_yaml(cloud_name="s"), "s")
        if pinned:
            cloud_config = cloud_config.model_copy(
                update={"compute_api_version": Microversion.parse(pinned)}
            )
        from instance_operator.openstack.cloud import connect

        cloud = connect(cloud_config, FAST)
        try:
            assert str(cloud.compute.microversion) == expected
            answer = cloud.compute.get(servers.urls.servers())
            assert answer.headers["OpenStack-API-Version"] == f"compute {expected}"
            assert answer.headers["X-OpenStack-Nova-API-Version"] == expected
        finally:
            cloud.close()


def test_microversion_below_the_floor_is_refused() -> None:
    config = SimulatorConfig(microversions=Microversions(max="2.51"))
    with Simulator(config).running() as sim:
        from instance_operator.openstack.cloud import connect

        cloud = connect(load_clouds_yaml(sim.clouds_yaml(cloud_name="s"), "s"), FAST)
        try:
            with pytest.raises(errors.MicroversionUnsupported, match=r"2\.51.*2\.52"):
                _ = cloud.compute
        finally:
            cloud.close()


def test_debug_log_masks_the_token(
    sim: Simulator, make_cloud: MakeCloud, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="instance_operator.openstack")
    cloud = make_cloud()
    list(flavors.list_flavors(cloud.compute))
    token = cloud.provider.token().value.get_secret_value()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "'X-Auth-Token': '***'" in text
    assert token not in text
    assert "admin" not in text.replace("/admin", "")  # the password ("admin") is never logged
    assert "REQ POST" in text


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        Settings(rate_limit=0)
