"""Lazy iteration over paged collections.

Nova and Neutron put the next page in ``<collection>_links`` (instance actions in ``links``),
Glance in ``next``. Only the next link's *query* is followed, against the client's own endpoint
and route: clouds behind proxies often put internal host names into these links, and the route
keeps the metrics template stable. Pages are fetched only as the caller iterates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from instance_operator.openstack.errors import OpenStackError
from instance_operator.openstack.resource import Resource
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient
from instance_operator.openstack.transport import Params

R = TypeVar("R", bound=Resource)


def paginate(
    client: ServiceClient,
    route: Route,
    *,
    key: str,
    model: type[R],
    params: Params | None = None,
) -> Iterator[R]:
    """Every item of the collection ``key``, page by page; each knows its page's request ID."""
    query: list[tuple[str, str]] = list(
        params.items() if isinstance(params, Mapping) else params or []
    )
    followed: set[tuple[tuple[str, str], ...]] = set()
    while True:
        page = client.get(route, params=query)
        body = page.body if isinstance(page.body, Mapping) else {}
        for raw in body.get(key) or []:
            yield model.parse(raw, page.request_id)
        link = next_link(body, key)
        if link is None:
            return
        query = parse_qsl(urlsplit(link).query, keep_blank_values=True)
        marker = tuple(query)
        if marker in followed:
            raise OpenStackError(f"{client.url(route)}: the next link repeats itself ({link})")
        followed.add(marker)


def next_link(body: Mapping[str, Any], key: str) -> str | None:
    """The next page's URL, if the answer has one."""
    glance = body.get("next")
    if isinstance(glance, str) and glance:
        return glance
    for links in (body.get(f"{key}_links"), body.get("links")):
        for link in links or []:
            if isinstance(link, Mapping) and link.get("rel") == "next" and link.get("href"):
                return str(link["href"])
    return None
