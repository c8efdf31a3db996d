"""From an Instance's ``cloudCredentialsRef`` to a connected cloud, cached per Secret version; and
the user data a spec takes from a Secret.

The Secret is read with ``get`` only (the operator's RBAC allows nothing more on Secrets), cached by
``resourceVersion``, and re-read by a poller: a rotated Secret is picked up without a restart, and
an Instance stuck on a bad password is retried as soon as its Secret changes. Clouds are shared by
credentials (one token and one rate limit for every Instance using the same ones); watchers are
shared by *project scope*, so two teams' Secrets for the same project do not poll it twice.

A ``cacert`` key beside ``clouds.yaml`` (as openstack-resource-controller reads it) is the cloud's
CA bundle, written to a private directory (see ``openstack.ca_bundle``).
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from instance_operator.api.models import CloudCredentialsRef, InstanceSpec, check_user_data_size
from instance_operator.controller.kube import Kube, SecretData
from instance_operator.controller.reconcile.failures import UserError
from instance_operator.controller.registry import InstanceView, SecretKey
from instance_operator.controller.status.reasons import Reason
from instance_operator.openstack.ca_bundle import CA_KEY, with_ca_bundle
from instance_operator.openstack.cloud import Cloud, CloudPool
from instance_operator.openstack.config import CloudConfig, load_clouds_yaml
from instance_operator.openstack.errors import ConfigError

log = logging.getLogger(__name__)

CLOUDS_KEY = "clouds.yaml"


class SecretCache:
    """The last version of each credentials Secret seen; ``refresh`` re-reads them all."""

    def __init__(self, kube: Kube) -> None:
        self._kube = kube
        self._lock = threading.Lock()
        self._secrets: dict[SecretKey, SecretData | None] = {}

    def get(self, key: SecretKey) -> SecretData | None:
        with self._lock:
            if key in self._secrets:
                return self._secrets[key]
        secret = self._kube.read_secret(*key)
        with self._lock:
            self._secrets[key] = secret
        return secret

    def refresh(self, keys: set[SecretKey]) -> list[SecretKey]:
        """Re-read ``keys``; return those whose content (version, or existence) changed."""
        changed = []
        for key in keys:
            try:
                secret = self._kube.read_secret(*key)
            except Exception as exc:  # a failed poll changes nothing; the next one retries
                log.warning("Could not read Secret %s/%s: %s", *key, exc)
                continue
            with self._lock:
                before = self._secrets.get(key, ...)
                self._secrets[key] = secret
            if before is ... or _version(before) != _version(secret):
                changed.append(key)
        with self._lock:
            for key in set(self._secrets) - keys:
                del self._secrets[key]
        return changed


def user_data(secrets: SecretCache, view: InstanceView, spec: InstanceSpec) -> bytes | None:
    """The server's user data: inline, or from the Secret ``spec.userData.secretRef`` names."""
    if spec.user_data is None:
        return None
    if spec.user_data.inline is not None:
        return spec.user_data.inline.encode()
    ref = spec.user_data.secret_ref
    assert ref is not None
    secret = secrets.get((view.ref.namespace, ref.name))
    where = f"spec.userData.secretRef: Secret {view.ref.namespace}/{ref.name}"
    if secret is None:
        raise UserError(Reason.SECRET_NOT_FOUND, f"{where} does not exist.")
    if ref.key not in secret.data:
        raise UserError(Reason.SECRET_KEY_MISSING, f"{where} has no key {ref.key!r}.")
    data = secret.data[ref.key]
    try:
        check_user_data_size(data)
    except ValueError as exc:
        raise UserError(Reason.USER_DATA_TOO_LARGE, f"{where}: {exc}") from None
    return data


def _version(secret: SecretData | None) -> str | None:
    return secret.resource_version if secret is not None else None


@dataclass(frozen=True)
class Access:
    """A connected cloud for one Instance, and the project scope its servers live in."""

    cloud: Cloud
    #: ``<keystone host>/<region>/<project ID>``: the watcher key, also a metrics label.
    scope: str
    cloud_name: str
    #: Certificates are not verified (clouds.yaml ``insecure: true`` or ``verify: false``).
    insecure: bool = False


class CloudAccess:
    def __init__(self, secrets: SecretCache, pool: CloudPool) -> None:
        self._secrets = secrets
        self._pool = pool
        self._lock = threading.Lock()
        self._configs: dict[tuple[SecretKey, str, str], CloudConfig] = {}
        self._scopes: dict[str, str] = {}
        self._ca_dir: Path | None = None

    def open(self, namespace: str, ref: CloudCredentialsRef) -> Access:
        """Raises :class:`UserError` for a missing Secret, key or cloud, or a broken clouds.yaml."""
        key = (namespace, ref.secret_name)
        secret = self._secrets.get(key)
        where = f"Secret {namespace}/{ref.secret_name}"
        if secret is None:
            raise UserError(
                Reason.SECRET_NOT_FOUND,
                f"{where} does not exist. Create it with a {CLOUDS_KEY!r} key holding a clouds.yaml"
                " (see examples/clouds-secret.yaml); the operator notices within seconds.",
            )
        data = secret.data.get(CLOUDS_KEY)
        if data is None:
            keys = ", ".join(sorted(secret.data)) or "none"
            raise UserError(
                Reason.SECRET_KEY_MISSING, f"{where} has no key {CLOUDS_KEY!r} (its keys: {keys})."
            )
        config = self._config(key, secret, ref.cloud_name, where)
        cloud = self._pool.get(config)
        return Access(
            cloud=cloud,
            scope=self._scope(config, cloud),
            cloud_name=ref.cloud_name,
            insecure=not config.tls.verify,
        )

    def _config(
        self, key: SecretKey, secret: SecretData, cloud_name: str, where: str
    ) -> CloudConfig:
        cache_key = (key, secret.resource_version, cloud_name)
        with self._lock:
            config = self._configs.get(cache_key)
        if config is None:
            try:
                config = load_clouds_yaml(secret.data[CLOUDS_KEY], cloud_name)
            except Exception as exc:
                raise UserError(
                    Reason.INVALID_CLOUDS_YAML, f"{where}, {CLOUDS_KEY}: {exc}"
                ) from None
            bundle = secret.data.get(CA_KEY)
            if bundle is not None:
                config = self._with_ca(config, bundle, where)
            for warning in config.warnings:  # once per Secret version, not once per pass
                log.warning("%s, %s: %s", where, CLOUDS_KEY, warning)
            with self._lock:
                self._configs[cache_key] = config
        return config

    def _with_ca(self, config: CloudConfig, bundle: bytes, where: str) -> CloudConfig:
        """``config`` verifying against the Secret's CA bundle, written where requests reads it."""
        with self._lock:
            if self._ca_dir is None:
                self._ca_dir = Path(tempfile.mkdtemp(prefix="instance-operator-ca-"))
            try:
                return with_ca_bundle(config, bundle, self._ca_dir)
            except ConfigError as exc:
                raise UserError(Reason.INVALID_CLOUDS_YAML, f"{where}: {exc}") from None

    def _scope(self, config: CloudConfig, cloud: Cloud) -> str:
        """Servers are the project's, whoever asks: the scope is where, not who. A project ID in
        clouds.yaml is taken as it is; a project name or an application credential needs Keystone
        to say which project it is: one authentication, once per config, which the pass needs
        for its first Nova call anyway."""
        credentials = config.credentials_key()
        with self._lock:
            scope = self._scopes.get(credentials)
        if scope is None:
            host = urlsplit(config.auth.auth_url).netloc
            project = getattr(config.auth, "project_id", None) or cloud.project_id
            scope = f"{host}/{config.region_name or '-'}/{project}"
            with self._lock:
                self._scopes[credentials] = scope
        return scope
