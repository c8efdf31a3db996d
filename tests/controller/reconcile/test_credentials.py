"""From a credentials Secret to a cloud: the Secret's ``cacert`` key as the trust store, clouds.yaml
warnings logged once, and an Instance on an unverified cloud saying so in its Ready condition."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

import pytest
import yaml

from instance_operator.api.models import CloudCredentialsRef
from instance_operator.controller.kube import Kube, SecretData
from instance_operator.controller.reconcile.credentials import CloudAccess, SecretCache
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.runtime import Controller
from instance_operator.openstack.cloud import Cloud, CloudPool
from instance_operator.openstack.config import CloudConfig
from instance_operator.simulator import Simulator
from tests.controller.test_lifecycle import web
from tests.support.cluster import CLOUD, SECRET, Cluster

REF = CloudCredentialsRef.model_validate({"secretName": "creds", "cloudName": "c"})
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
CLOUDS = b"""
clouds:
  c:
    auth: {auth_url: https://keystone.example, user_id: u, password: p, project_id: p1}
    api_timeout: 30
"""


class _Kube:
    def __init__(self, data: dict[str, bytes]) -> None:
        self.data = data
        self.version = 1

    def read_secret(self, namespace: str, name: str) -> SecretData:
        return SecretData(resource_version=str(self.version), data=self.data)


class _Cloud:
    project_id = "p1"


class _Pool(CloudPool):
    """Records the configs asked for instead of connecting."""

    def __init__(self) -> None:
        super().__init__()
        self.configs: list[CloudConfig] = []

    def get(self, config: CloudConfig) -> Cloud:
        self.configs.append(config)
        return cast(Cloud, _Cloud())


def _open(data: dict[str, bytes]) -> tuple[CloudAccess, _Pool]:
    pool = _Pool()
    access = CloudAccess(SecretCache(cast(Kube, _Kube(data))), pool)
    access.open("ns", REF)
    return access, pool


def test_the_secrets_cacert_key_is_the_trust_store() -> None:
    _, pool = _open({"clouds.yaml": CLOUDS, "cacert": PEM})
    tls = pool.configs[0].tls
    assert tls.verify is True
    assert tls.cacert is not None
    assert Path(tls.cacert).read_bytes() == PEM
    _, without = _open({"clouds.yaml": CLOUDS})
    assert without.configs[0].tls.cacert is None
    assert without.configs[0].credentials_key() != pool.configs[0].credentials_key()


class _Keystone:
    """A cloud that counts the times its project had to be asked of Keystone."""

    asked = 0

    @property
    def project_id(self) -> str:
        _Keystone.asked += 1
        return "p-from-keystone"


class _KeystonePool(_Pool):
    def get(self, config: CloudConfig) -> Cloud:
        self.configs.append(config)
        return cast(Cloud, _Keystone())


def test_a_scope_asks_keystone_only_for_a_project_it_does_not_know() -> None:
    _Keystone.asked = 0
    access = CloudAccess(SecretCache(cast(Kube, _Kube({"clouds.yaml": CLOUDS}))), _KeystonePool())
    assert access.open("ns", REF).scope == "keystone.example/-/p1"
    assert _Keystone.asked == 0
    by_name = CLOUDS.replace(b"project_id: p1", b"project_name: team, project_domain_id: d")
    access = CloudAccess(SecretCache(cast(Kube, _Kube({"clouds.yaml": by_name}))), _KeystonePool())
    assert access.open("ns", REF).scope == "keystone.example/-/p-from-keystone"
    access.open("ns", REF)
    assert _Keystone.asked == 1  # once per config


def test_a_broken_or_doubled_ca_bundle_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"cacert: not a PEM CA bundle"):
        _open({"clouds.yaml": CLOUDS, "cacert": b"not a certificate"})
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(PEM)
    doubled = CLOUDS + f"    cacert: {bundle}\n".encode()
    with pytest.raises(UserError, match=r"both the 'cacert' key and clouds.c.cacert"):
        _open({"clouds.yaml": doubled, "cacert": PEM})


def test_warnings_are_logged_once_per_secret_version(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="instance_operator.controller.reconcile.credentials")
    access, _ = _open({"clouds.yaml": CLOUDS})
    access.open("ns", REF)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Secret ns/creds, clouds.yaml: ignored, not used by this operator: clouds.c.api_timeout"
    ]


def test_an_insecure_cloud_says_so_in_ready(
    cluster: Cluster, sim: Simulator, operator: Controller
) -> None:
    document = yaml.safe_load(sim.clouds_yaml(cloud_name=CLOUD))
    document["clouds"][CLOUD]["insecure"] = True
    cluster.put_secret(SECRET, {"clouds.yaml": yaml.safe_dump(document)})
    cluster.create(web())
    cluster.wait_ready("web-1")
    ready = next(
        c
        for c in cluster.get("web-1")["status"]["conditions"]  # type: ignore[index]
        if c["type"] == "Ready"
    )
    assert ready["status"] == "True"
    assert (
        f"Warning: cloud {CLOUD} is used without TLS certificate verification" in (ready["message"])
    )
