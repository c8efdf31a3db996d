"""The entry point for callers: a ``Cloud`` per set of credentials, with its service clients.

The reconciler works on many Instances whose Secrets often hold the same credentials; sharing
one ``Cloud`` (so one provider, one token, one re-auth, one rate limit per endpoint) between
them is ``CloudPool``'s job. Service clients are made on first use, the compute one after
negotiating its microversion, and then kept: both steps cost requests.
"""

from __future__ import annotations

import threading

from instance_operator.openstack import clients
from instance_operator.openstack.config import CloudConfig
from instance_operator.openstack.metrics import MetricsHook
from instance_operator.openstack.provider import Provider
from instance_operator.openstack.service import ServiceClient
from instance_operator.openstack.settings import Settings


class Cloud:
    """Thread-safe access to one cloud's compute, image and network services."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self._lock = threading.Lock()
        self._compute: ServiceClient | None = None
        self._image: ServiceClient | None = None
        self._network: ServiceClient | None = None

    @property
    def name(self) -> str:
        return self.provider.config.name

    @property
    def project_id(self) -> str | None:
        """The project the token is scoped to (authenticates if needed)."""
        return self.provider.project_id

    @property
    def compute(self) -> ServiceClient:
        """Nova, at the negotiated microversion (``compute.microversion``)."""
        with self._lock:
            if self._compute is None:
                self._compute = clients.compute(self.provider)
            return self._compute

    @property
    def image(self) -> ServiceClient:
        with self._lock:
            if self._image is None:
                self._image = clients.image(self.provider)
            return self._image

    @property
    def network(self) -> ServiceClient:
        with self._lock:
            if self._network is None:
                self._network = clients.network(self.provider)
            return self._network

    def close(self) -> None:
        self.provider.close()


def connect(
    config: CloudConfig,
    settings: Settings | None = None,
    metrics: MetricsHook | None = None,
) -> Cloud:
    """A new ``Cloud``; nothing is sent until the first call (which authenticates)."""
    return Cloud(Provider(config, settings, metrics))


class CloudPool:
    """One ``Cloud`` per set of credentials (``CloudConfig.credentials_key``), shared by all threads."""

    def __init__(self, settings: Settings | None = None, metrics: MetricsHook | None = None):
        self._settings = settings
        self._metrics = metrics
        self._lock = threading.Lock()
        self._clouds: dict[str, Cloud] = {}

    def get(self, config: CloudConfig) -> Cloud:
        key = config.credentials_key()
        with self._lock:
            cloud = self._clouds.get(key)
            if cloud is None:
                cloud = connect(config, self._settings, self._metrics)
                self._clouds[key] = cloud
            return cloud

    def close(self) -> None:
        with self._lock:
            clouds, self._clouds = list(self._clouds.values()), {}
        for cloud in clouds:
            cloud.close()
