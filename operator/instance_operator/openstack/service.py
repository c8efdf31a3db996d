"""A service client: one endpoint of one service, its microversion, and JSON in and out.

Resource modules call ``get``/``post``/``put``/``delete`` with a ``Route`` and the statuses the
call accepts (as gophercloud's ``OkCodes``); anything else becomes a typed ``HttpError``. The
compute microversion goes out in both header forms Nova reads.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from instance_operator.openstack.errors import InvalidResponse
from instance_operator.openstack.microversion import Microversion
from instance_operator.openstack.provider import Provider
from instance_operator.openstack.resource import Accepted
from instance_operator.openstack.routes import Route
from instance_operator.openstack.transport import Params, error_for, request_id


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    #: The decoded JSON body, or ``None`` for an empty one.
    body: Any
    request_id: str | None

    def object(self, key: str) -> Any:
        """The wrapped object of an answer such as ``{"server": {...}}``."""
        if not isinstance(self.body, Mapping) or key not in self.body:
            raise InvalidResponse(f"expected a {key!r} object in the answer [{self.request_id}]")
        return self.body[key]


class ServiceClient:
    """Thread-safe, like the provider it wraps."""

    def __init__(
        self,
        provider: Provider,
        service_type: str,
        endpoint: str,
        *,
        microversion: Microversion | None = None,
    ) -> None:
        self.provider = provider
        self.service_type = service_type
        #: The base URL, without a trailing slash.
        self.endpoint = endpoint.rstrip("/")
        self.microversion = microversion
        self._headers: dict[str, str] = {}
        if microversion is not None:
            self._headers = {
                "OpenStack-API-Version": f"{service_type} {microversion}",
                "X-OpenStack-Nova-API-Version": str(microversion),
            }

    def url(self, route: Route) -> str:
        return f"{self.endpoint}/{route.path}" if route.path else self.endpoint

    def request(
        self,
        method: str,
        route: Route,
        *,
        ok: Collection[int],
        json: Any = None,
        params: Params | None = None,
    ) -> Response:
        url = self.url(route)
        response = self.provider.request(
            service=self.service_type,
            method=method,
            url=url,
            template=route.template,
            headers=self._headers,
            json=json,
            params=params,
        )
        if response.status_code not in ok:
            raise error_for(response, method, response.url or url)
        body = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                raise InvalidResponse(
                    f"{method} {url} answered {response.status_code} with a body that is not JSON"
                ) from None
        return Response(
            status=response.status_code,
            headers=response.headers,
            body=body,
            request_id=request_id(response.headers),
        )

    def get(
        self, route: Route, *, params: Params | None = None, ok: Collection[int] = (200,)
    ) -> Response:
        return self.request("GET", route, ok=ok, params=params)

    def post(self, route: Route, json: Any, *, ok: Collection[int] = (202,)) -> Response:
        return self.request("POST", route, ok=ok, json=json)

    def put(self, route: Route, json: Any = None, *, ok: Collection[int] = (200,)) -> Response:
        return self.request("PUT", route, ok=ok, json=json)

    def delete(self, route: Route, *, ok: Collection[int] = (204,)) -> Response:
        return self.request("DELETE", route, ok=ok)


def accepted(response: Response) -> Accepted:
    """The result of a call whose answer has no body worth keeping, with its request ID."""
    return Accepted.parse({}, response.request_id)
