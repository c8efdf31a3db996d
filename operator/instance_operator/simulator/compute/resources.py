"""The rest of the compute API: version documents, flavors and absolute limits."""

from __future__ import annotations

from typing import Any

from instance_operator.simulator.compute import microversion
from instance_operator.simulator.compute.paging import next_links, page_limit
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.compute.views import Links, flavor_view
from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, ok
from instance_operator.simulator.http.routing import Router


class ResourcesApi:
    def __init__(self, parts: ComputeParts) -> None:
        self._parts = parts
        versions = parts.config.microversions
        self._min = microversion.spell(microversion.parse(versions.min))
        self._max = microversion.spell(microversion.parse(versions.max))

    def register(self, router: Router) -> None:
        for path in ("/compute", "/compute/"):
            router.add("GET", path, self.versions, public=True, versioned=False)
        for suffix in ("", "/"):
            router.add_compute("GET", suffix, self.version, public=True, versioned=False)
        router.add_compute("GET", "/flavors", self.flavors)
        router.add_compute("GET", "/flavors/detail", self.flavors_detail)
        router.add_compute("GET", "/flavors/{flavor_id}", self.flavor)
        router.add_compute("GET", "/limits", self.limits)

    def _v21(self, origin: str) -> dict[str, Any]:
        return {
            "id": "v2.1",
            "status": "CURRENT",
            "version": self._max,
            "min_version": self._min,
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{origin}/compute/v2.1/"}],
        }

    def versions(self, req: ApiRequest) -> ApiResponse:
        v20 = {
            "id": "v2.0",
            "status": "DEPRECATED",
            "version": "",
            "min_version": "",
            "updated": "2025-07-04T12:00:00Z",
            "links": [{"rel": "self", "href": f"{req.origin}/compute/v2/"}],
        }
        return ok({"versions": [v20, self._v21(req.origin)]})

    def version(self, req: ApiRequest) -> ApiResponse:
        doc = self._v21(req.origin)
        doc["links"].append(
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}
        )
        doc["media-types"] = [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ]
        return ok({"version": doc})

    def _flavor_page(self, req: ApiRequest, detail: bool) -> ApiResponse:
        flavors = sorted(self._parts.config.flavors, key=lambda f: f.id)
        marker = req.query.get("marker")
        if marker is not None:
            ids = [f.id for f in flavors]
            if marker not in ids:
                raise ApiError(400, f"marker [{marker}] not found")
            flavors = flavors[ids.index(marker) + 1 :]
        limit = page_limit(req)
        flavors = flavors[:limit]
        links = Links.of(req)
        body: dict[str, Any] = {
            "flavors": [flavor_view(f, req, links, detail=detail) for f in flavors]
        }
        url = f"{links.api}/flavors/detail" if detail else f"{links.api}/flavors"
        more = next_links(req, url, flavors, flavors[-1].id if flavors else None, limit)
        if more:
            body["flavors_links"] = more
        return ok(body)

    def flavors(self, req: ApiRequest) -> ApiResponse:
        return self._flavor_page(req, detail=False)

    def flavors_detail(self, req: ApiRequest) -> ApiResponse:
        return self._flavor_page(req, detail=True)

    def flavor(self, req: ApiRequest) -> ApiResponse:
        flavor_id = req.params["flavor_id"]
        flavor = next((f for f in self._parts.config.flavors if f.id == flavor_id), None)
        if flavor is None:
            raise ApiError(404, f"Flavor {flavor_id} could not be found.")
        return ok({"flavor": flavor_view(flavor, req, Links.of(req), detail=True)})

    def limits(self, req: ApiRequest) -> ApiResponse:
        quota = self._parts.config.quota
        instances, cores, ram = self._parts.compute.usage(req.auth.project_id)
        absolute: dict[str, int] = {}
        if not req.at_least(2, 39):
            absolute["maxImageMeta"] = 128
        if not req.at_least(2, 57):
            absolute.update(maxPersonality=5, maxPersonalitySize=10240)
        if not req.at_least(2, 36):
            absolute.update(maxSecurityGroupRules=-1, maxSecurityGroups=-1, maxTotalFloatingIps=-1)
        absolute.update(
            maxServerMeta=128,
            maxTotalCores=quota.cores,
            maxTotalInstances=quota.instances,
            maxTotalKeypairs=100,
            maxTotalRAMSize=quota.ram,
            maxServerGroups=quota.server_groups,
            maxServerGroupMembers=quota.server_group_members,
            totalCoresUsed=cores,
            totalInstancesUsed=instances,
            totalRAMUsed=ram,
            totalServerGroupsUsed=self._parts.compute.groups.count(req.auth.project_id),
        )
        if not req.at_least(2, 36):
            absolute.update(totalSecurityGroupsUsed=0, totalFloatingIpsUsed=0)
        return ok({"limits": {"absolute": absolute, "rate": []}})
