"""Service clients for compute, image and network, found in the catalog and version-negotiated.

Nova's microversion is chosen here, once per client, from the version document at its
endpoint. ``COMPUTE_FLOOR`` is the oldest microversion whose semantics the resource modules rely
on; ``COMPUTE_CEILING`` the newest whose bodies they were checked against (the samples and the
mini-cloud), so a cloud that grows newer microversions cannot change shapes under the client.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from instance_operator.openstack.errors import InvalidResponse
from instance_operator.openstack.microversion import Microversion, negotiate, server_range
from instance_operator.openstack.provider import Provider
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient

#: 2.52: tags in the create request (needed for adoption by tag after a lost create answer);
#: it also brings 2.37 (``networks: none|auto``), 2.45 (``createImage`` answers ``image_id``)
#: and 2.47 (the flavor embedded in the server). Train (2.79) and later all offer it.
COMPUTE_FLOOR = Microversion(2, 52)
#: The newest microversion the models were checked against (Nova 34 / the mini-cloud).
COMPUTE_CEILING = Microversion(2, 104)


def compute(provider: Provider) -> ServiceClient:
    """Nova's client at the highest microversion both sides support (>= ``COMPUTE_FLOOR``)."""
    endpoint = provider.endpoint("compute")
    unversioned = ServiceClient(provider, "compute", _version_root(endpoint))
    document = unversioned.get(Route("/", ""), ok=(200, 300)).body
    if not isinstance(document, dict):
        raise InvalidResponse(f"the compute version document at {unversioned.endpoint} is not JSON")
    chosen = negotiate(
        server_range(document),
        floor=COMPUTE_FLOOR,
        ceiling=COMPUTE_CEILING,
        pinned=provider.config.compute_api_version,
    )
    return ServiceClient(provider, "compute", endpoint, microversion=chosen)


def image(provider: Provider) -> ServiceClient:
    """Glance v2; the catalog usually lists it without a version, so ``/v2`` is added."""
    return ServiceClient(provider, "image", _with_version(provider.endpoint("image"), "v2"))


def network(provider: Provider) -> ServiceClient:
    """Neutron v2.0; the catalog usually lists it without a version, so ``/v2.0`` is added."""
    return ServiceClient(provider, "network", _with_version(provider.endpoint("network"), "v2.0"))


def _version_root(endpoint: str) -> str:
    """Where Nova's version document is: the endpoint cut after ``v2.1`` (dropping a project
    ID some catalogs still append), or the root when the endpoint has no version."""
    parts = urlsplit(endpoint)
    segments = parts.path.rstrip("/").split("/")
    for index, segment in enumerate(segments):
        if segment in {"v2.1", "v2"}:
            path = "/".join(segments[: index + 1])
            return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return endpoint


def _with_version(endpoint: str, version: str) -> str:
    stripped = endpoint.rstrip("/")
    return stripped if stripped.rsplit("/", 1)[-1] == version else f"{stripped}/{version}"
