"""Finding a service's endpoint in the token's catalog.

By service type, optionally its name, the configured region and interface (public by default).
The two ways to fail get distinct errors that list what the catalog does have, because "compute
not found" on a cloud whose compute lives in another region is a configuration error a user can
only fix when told the regions. URLs are normalised: no trailing slash, project ID templates
(``$(project_id)s``, ``%(tenant_id)s``...) filled in.
"""

from __future__ import annotations

from pydantic import Field

from instance_operator.openstack.errors import EndpointNotFound, ServiceNotFound
from instance_operator.openstack.resource import Resource

_PROJECT_TEMPLATES = ("$(project_id)s", "%(project_id)s", "$(tenant_id)s", "%(tenant_id)s")


class Endpoint(Resource):
    id: str | None = None
    #: ``public``, ``internal`` or ``admin``.
    interface: str
    #: The region's ID; ``region`` is its older duplicate.
    region_id: str | None = None
    region: str | None = None
    url: str


class CatalogService(Resource):
    id: str | None = None
    #: ``compute``, ``image``, ``network``, ``identity``...
    type: str
    name: str | None = None
    endpoints: list[Endpoint] = Field(default_factory=list)


class Catalog(Resource):
    services: list[CatalogService] = Field(default_factory=list)

    def url_for(
        self,
        service_type: str,
        *,
        interface: str = "public",
        region: str | None = None,
        name: str | None = None,
        project_id: str | None = None,
    ) -> str:
        """The endpoint URL, normalised; raises ``ServiceNotFound`` or ``EndpointNotFound``."""
        services = [
            s for s in self.services if s.type == service_type and (name is None or s.name == name)
        ]
        wanted = f"{service_type}" + (f" named {name!r}" if name else "")
        if not services:
            have = sorted({f"{s.type} ({s.name})" if s.name else s.type for s in self.services})
            raise ServiceNotFound(
                f"the catalog has no {wanted} service (it has: {', '.join(have) or 'nothing'})",
                service_type=service_type,
                available=have,
            )
        endpoints = [e for s in services for e in s.endpoints]
        matches = [
            e
            for e in endpoints
            if e.interface == interface and (region is None or region in {e.region_id, e.region})
        ]
        urls = sorted({_normalise(e.url, project_id) for e in matches})
        if len(urls) == 1:
            return urls[0]
        offered = sorted({f"{e.region_id or e.region or '-'}/{e.interface}" for e in endpoints})
        where = f"interface {interface}" + (f" in region {region}" if region else "")
        if not urls:
            problem = f"the {wanted} service has no endpoint for {where}"
        else:
            problem = f"the {wanted} service has several endpoints for {where}; set region_name"
        raise EndpointNotFound(
            f"{problem} (it has: {', '.join(offered) or 'none'})",
            service_type=service_type,
            available=offered,
        )

    def service_types(self) -> list[str]:
        return sorted({s.type for s in self.services})


def _normalise(url: str, project_id: str | None) -> str:
    if project_id:
        for template in _PROJECT_TEMPLATES:
            url = url.replace(template, project_id)
    return url.rstrip("/")
