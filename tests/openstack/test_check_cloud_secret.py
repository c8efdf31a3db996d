"""``check-cloud --secret NAMESPACE/NAME``: the credentials Secret an Instance would use, read with
the user's kubeconfig, checked with the same one-line verdicts."""

from __future__ import annotations

import io
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

import pytest

from instance_operator.openstack.check_cloud import _load_secret, run
from instance_operator.simulator import Simulator
from tests.support.cluster import Cluster, running_cluster

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as running:
        monkeypatch.setenv("KUBECONFIG", str(running.kubeconfig))
        yield running


def _check(secret: str, cloud: str | None = "sim") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(Namespace(secret=secret, cloud=cloud, clouds_file=None), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_secret_an_instance_would_use(cluster: Cluster, sim: Simulator) -> None:
    cluster.put_secret("creds", {"clouds.yaml": sim.clouds_yaml(cloud_name="sim")})
    code, out, err = _check("default/creds")
    assert code == 0, err
    assert out.startswith("cloud sim: authenticated, project ")
    assert f"flavors ({len(sim.config.flavors)}):" in out


@pytest.mark.parametrize(
    ("secret", "cloud", "data", "verdict"),
    [
        ("default/absent", "sim", None, "cannot read Secret default/absent: the API answered 404"),
        ("creds", "sim", None, "--secret 'creds': expected NAMESPACE/NAME"),
        ("default/creds", None, {"other": "x"}, "which cloud of Secret default/creds?"),
        ("default/creds", "sim", {"other": "x"}, "Secret default/creds has no key 'clouds.yaml'"),
        ("default/creds", "sim", {"cacert": "junk"}, "cacert: not a PEM CA bundle"),
    ],
)
def test_one_line_verdicts(
    cluster: Cluster,
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    secret: str,
    cloud: str | None,
    data: dict[str, str] | None,
    verdict: str,
) -> None:
    monkeypatch.delenv("OS_CLOUD", raising=False)
    if data is not None:
        if "cacert" in data:
            data = {**data, "clouds.yaml": sim.clouds_yaml(cloud_name="sim")}
        cluster.put_secret("creds", data)
    code, _, err = _check(secret, cloud)
    assert code == 1
    assert err.startswith(f"check-cloud: FAILED: configuration: {verdict}"), err
    assert err.count("\n") == 1


def test_the_secrets_ca_bundle_is_used(cluster: Cluster, sim: Simulator) -> None:
    cluster.put_secret("creds", {"clouds.yaml": sim.clouds_yaml(cloud_name="sim"), "cacert": PEM})
    config = _load_secret("default/creds", "sim")
    assert config.tls.cacert is not None
    assert Path(config.tls.cacert).read_text() == PEM
    code, _, err = _check("default/creds")  # over the simulator's HTTP it changes nothing
    assert code == 0, err
