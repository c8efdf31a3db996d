"""A CA bundle given as bytes (a Secret's ``cacert`` key) as the file requests needs.

openstack-resource-controller reads a cloud's CA bundle from a ``cacert`` key beside
``clouds.yaml`` in the credentials Secret; requests verifies only against a path. The bundle is
written under a name made of its digest, so a rotated bundle is a new file (and, through
``CloudConfig.credentials_key``, a new connection), and the same bundle is written once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from instance_operator.openstack.config import CloudConfig
from instance_operator.openstack.errors import ConfigError

#: The Secret key that holds the bundle, as openstack-resource-controller names it.
CA_KEY = "cacert"


def with_ca_bundle(config: CloudConfig, bundle: bytes, directory: Path) -> CloudConfig:
    """``config`` verifying against ``bundle``, written into ``directory``. ``ConfigError`` for
    a bundle that is no PEM, or a cloud that names a ``cacert`` file too."""
    if config.tls.cacert is not None:
        raise ConfigError(
            f"both the {CA_KEY!r} key and clouds.{config.name}.cacert give a CA bundle; keep one"
            " (the key needs no file where the operator runs)"
        )
    if b"-----BEGIN CERTIFICATE-----" not in bundle:
        raise ConfigError(
            f"{CA_KEY}: not a PEM CA bundle (no BEGIN CERTIFICATE line); put the cloud's CA"
            " certificates there in PEM form"
        )
    path = directory / f"{hashlib.sha256(bundle).hexdigest()}.pem"
    if not path.exists():
        path.write_bytes(bundle)
    return config.model_copy(update={"tls": config.tls.model_copy(update={"cacert": str(path)})})
