"""Over HTTP against the simulator with injected faults: retries of idempotent calls under 503,
resets and timeouts; never a retry of a create whose answer was lost; 429 honoured with
Retry-After; the rate limit and concurrency cap as the simulator counts them; metrics."""

from __future__ import annotations

import threading
import time

import pytest

from instance_operator.openstack import errors
from instance_operator.openstack.compute import flavors, servers
from instance_operator.openstack.compute.servers import CreateOpts
from instance_operator.openstack.config import CloudConfig
from instance_operator.openstack.metrics import RequestSample
from instance_operator.openstack.settings import RetryPolicy, Settings
from instance_operator.simulator import Simulator
from tests.openstack.conftest import FAST, MakeCloud
from tests.openstack.counted_faults import fault_first

DETAIL = "/v2.1/flavors/detail"
CREATE = "/v2.1/servers"


class Recorder:
    def __init__(self) -> None:
        self.samples: list[RequestSample] = []
        self.lock = threading.Lock()

    def on_request(self, sample: RequestSample) -> None:
        with self.lock:
            self.samples.append(sample)


def _create_opts(cloud_compute: object, sim: Simulator) -> CreateOpts:
    nano = sim.config.flavors[0]
    image = sim.config.images[0]
    return CreateOpts(name="web", flavor_ref=nano.id, image_ref=image.id, networks="none")


def test_503_on_get_is_retried_until_it_passes(
    sim: Simulator, make_cloud: MakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = FAST.model_copy(
        update={"retry": RetryPolicy(retries=4, backoff_factor=0.4, backoff_jitter=0.0)}
    )
    recorder = Recorder()
    cloud = make_cloud(settings=settings, metrics=recorder)
    compute = cloud.compute
    fault_first(sim, monkeypatch, 2, error_rate=1.0, error_status=503, services=("compute",))
    assert list(flavors.list_flavors(compute))  # attempts at 0, 0 and 0.8 s: the third passes
    assert sim.counters.count(service="compute", path=DETAIL, status=503) == 2
    assert sim.counters.count(service="compute", path=DETAIL, status=200) == 1
    sample = next(s for s in recorder.samples if s.path_template == "flavors/detail")
    assert (sample.status, sample.retried, sample.service) == (200, (503, 503), "compute")


def test_503_after_all_retries_is_service_unavailable(
    sim: Simulator, make_cloud: MakeCloud
) -> None:
    compute = make_cloud().compute
    sim.faults.set(error_rate=1.0, error_status=503, services=("compute",))
    with pytest.raises(errors.ServiceUnavailable) as caught:
        list(flavors.list_flavors(compute))
    assert caught.value.status_code == 503
    assert sim.counters.count(service="compute", path=DETAIL) == 1 + FAST.retry.retries


def test_create_is_never_retried_on_503(sim: Simulator, make_cloud: MakeCloud) -> None:
    compute = make_cloud().compute
    sim.faults.set(error_rate=1.0, error_status=503, services=("compute",))
    with pytest.raises(errors.ServiceUnavailable):
        servers.create(compute, _create_opts(compute, sim))
    assert sim.counters.count(service="compute", method="POST", path=CREATE) == 1


def test_reset_after_sending_a_create_is_outcome_unknown(
    sim: Simulator, make_cloud: MakeCloud
) -> None:
    compute = make_cloud().compute
    sim.faults.set(reset_rate=1.0, services=("compute",))
    with pytest.raises(errors.OutcomeUnknown) as caught:
        servers.create(compute, _create_opts(compute, sim))
    assert caught.value.method == "POST"
    assert sim.counters.count(service="compute", method="POST", path=CREATE) == 1


def test_timeout_of_a_create_is_outcome_unknown(sim: Simulator, make_cloud: MakeCloud) -> None:
    compute = make_cloud(settings=FAST.model_copy(update={"read_timeout": 0.3})).compute
    # Hung ten times longer than the client waits: had it waited, the simulator's reset at 3 s
    # would make the error a lost connection, not a read timeout.
    sim.faults.set(timeout_rate=1.0, timeout_seconds=3.0, services=("compute",))
    with pytest.raises(errors.OutcomeUnknown, match="read timeout"):
        servers.create(compute, _create_opts(compute, sim))
    # the simulator counts a hung request when it gives up on it, after timeout_seconds
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline and not sim.counters.count(method="POST", path=CREATE):
        time.sleep(0.05)
    assert sim.counters.count(service="compute", method="POST", path=CREATE) == 1


def test_resets_and_timeouts_of_reads_are_retried(sim: Simulator, make_cloud: MakeCloud) -> None:
    compute = make_cloud(settings=FAST.model_copy(update={"read_timeout": 0.3})).compute
    sim.faults.set(reset_rate=1.0, services=("compute",))
    with pytest.raises(errors.ResponseLost):
        list(flavors.list_flavors(compute))
    assert sim.counters.count(service="compute", path=DETAIL) == 1 + FAST.retry.retries
    sim.faults.set(reset_rate=0.0, timeout_rate=1.0, timeout_seconds=0.5)
    with pytest.raises(errors.ResponseLost, match="no answer"):
        servers.get(compute, "x")


def test_a_create_that_failed_after_commit_is_found_by_its_tag(
    sim: Simulator, make_cloud: MakeCloud
) -> None:
    """The reconciler's recovery path: the answer is an error, but the server exists."""
    compute = make_cloud().compute
    sim.faults.set(fail_next_creates=1, fail_create_status=500, fail_create_after_commit=True)
    opts = _create_opts(compute, sim).model_copy(update={"tags": ["iop-uid-1"]})
    with pytest.raises(errors.ServerError):
        servers.create(compute, opts)
    found = list(servers.list_detail(compute, servers.ListOpts(tags=["iop-uid-1"])))
    assert len(found) == 1


def test_connection_refused_is_connection_failed(
    sim_config: CloudConfig, make_cloud: MakeCloud
) -> None:
    auth = sim_config.auth.model_copy(update={"auth_url": "http://127.0.0.1:9/identity/v3"})
    cloud = make_cloud(sim_config.model_copy(update={"auth": auth}))
    with pytest.raises(errors.ConnectionFailed, match="cannot connect"):
        cloud.provider.token()


def test_429_is_retried_after_retry_after_even_for_a_create(
    sim: Simulator, make_cloud: MakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    compute = make_cloud().compute
    limited = {"over_limit_rate": 1.0, "over_limit_status": 429, "retry_after": 1}
    fault_first(sim, monkeypatch, 1, **limited, services=("compute",))
    started = time.monotonic()
    created = servers.create(compute, _create_opts(compute, sim))
    assert created.id
    assert time.monotonic() - started >= 0.9  # Retry-After: 1 was honoured
    assert sim.counters.count(service="compute", method="POST", path=CREATE, status=429) == 1
    assert sim.counters.count(service="compute", method="POST", path=CREATE, status=202) == 1


def test_429_without_retry_after_is_retried_with_backoff_for_reads_only(
    sim: Simulator, make_cloud: MakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some clouds and proxies answer 429 without Retry-After; a GET then waits the backoff."""
    settings = FAST.model_copy(
        update={"retry": RetryPolicy(retries=4, backoff_factor=0.4, backoff_jitter=0.0)}
    )
    compute = make_cloud(settings=settings).compute
    without_header = {"over_limit_status": 429, "retry_after": None, "services": ("compute",)}
    fault_first(sim, monkeypatch, 2, over_limit_rate=1.0, **without_header)
    assert list(flavors.list_flavors(compute))  # attempts at 0, 0 and 0.8 s: the third passes
    assert sim.counters.count(service="compute", path=DETAIL, status=429) == 2
    assert sim.counters.count(service="compute", path=DETAIL, status=200) == 1
    sim.faults.set(over_limit_rate=1.0, **without_header)
    with pytest.raises(errors.OverLimit) as caught:
        servers.create(compute, _create_opts(compute, sim))
    assert caught.value.retry_after is None
    assert sim.counters.count(service="compute", method="POST", path=CREATE) == 1


def test_429_after_all_retries_is_over_limit(sim: Simulator, make_cloud: MakeCloud) -> None:
    settings = FAST.model_copy(update={"retry": RetryPolicy(retries=1, backoff_factor=0.0)})
    compute = make_cloud(settings=settings).compute
    sim.faults.set(over_limit_rate=1.0, over_limit_status=413, retry_after=0, services=("compute",))
    with pytest.raises(errors.OverLimit) as caught:
        servers.get(compute, "x")
    assert caught.value.status_code == 413
    assert caught.value.retry_after == 0


def test_rate_limit_holds(sim: Simulator, make_cloud: MakeCloud) -> None:
    recorder = Recorder()
    cloud = make_cloud(
        settings=FAST.model_copy(update={"rate_limit": 40.0, "concurrency": 8}), metrics=recorder
    )
    compute = cloud.compute

    def worker() -> None:
        for _ in range(10):
            list(flavors.list_flavors(compute))

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert sim.counters.count(service="compute", path=DETAIL) == 80
    assert elapsed >= 79 / 40 - 0.05
    # the simulator serves every service on one port: one endpoint, one limit for all of them
    assert sim.counters.max_requests_per_second("compute") <= 41
    waits = [s.rate_limit_wait for s in recorder.samples if s.path_template == "flavors/detail"]
    assert sum(1 for w in waits if w > 0) > 60  # nearly every call queued for its turn
    assert all(0 <= s.rate_limit_wait <= s.seconds for s in recorder.samples)


def test_concurrency_cap_holds(sim: Simulator, make_cloud: MakeCloud) -> None:
    recorder = Recorder()
    cloud = make_cloud(settings=FAST.model_copy(update={"concurrency": 2}), metrics=recorder)
    compute = cloud.compute
    sim.faults.set(latency=0.2, services=("compute",))
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda: list(flavors.list_flavors(compute))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 3 * 0.2 - 0.02  # six calls, two at a time
    waits = sorted(s.rate_limit_wait for s in recorder.samples if s.path_template != "/")
    assert waits[-1] >= 0.3  # the last pair waited for two pairs before it


def test_metrics_hook(sim: Simulator, make_cloud: MakeCloud) -> None:
    recorder = Recorder()
    cloud = make_cloud(metrics=recorder)
    compute = cloud.compute
    with pytest.raises(errors.NotFound):
        servers.get(compute, "a/b")
    templates = [(s.service, s.method, s.path_template, s.status) for s in recorder.samples]
    assert templates == [
        ("identity", "POST", "auth/tokens", 201),
        ("compute", "GET", "/", 200),
        ("compute", "GET", "servers/{server_id}", 404),
    ]
    assert all(s.seconds >= 0 for s in recorder.samples)
    assert all(s.rate_limit_wait < 0.05 for s in recorder.samples)  # no limit, nothing queued


def test_a_failing_metrics_hook_does_not_fail_the_call(
    sim: Simulator, make_cloud: MakeCloud
) -> None:
    class Broken:
        def on_request(self, sample: RequestSample) -> None:
            raise RuntimeError("exporter bug")

    compute = make_cloud(metrics=Broken()).compute
    assert servers.create(compute, _create_opts(compute, sim)).id


def test_settings_defaults_follow_keystoneauth() -> None:
    settings = Settings()
    assert settings.retry.backoff_factor == 0.5
    assert settings.retry.backoff_max == 60.0
    assert 503 in settings.retry.retry_statuses
