"""Lazy iteration over paged collections.

Nova and Neutron put the next page in ``<collection>_links`` (instance actions in ``links``),
Glance in ``next``. Only the next link's *query* is followed, against the client's own endpoint
and route: clouds behind proxies often put internal host names into these links, and the route
keeps the metrics template stable. Pages are fetched only as the caller iterates.

Real Nova does not always page cleanly: servers still in BUILD (kept outside the cells) can
show up on two pages or on none, and the next link can then point back to a marker already
followed (seen on Nova 34 with ``tags`` and ``limit=1``). Items are therefore yielded once per
ID, and a next link already followed ends the iteration instead of looping; the iterator's
``cut_short`` then says that the listing may be incomplete, so that a caller drawing conclusions
from what is *absent* (the watcher's vanished servers) can refrain. A caller that must not miss a
server being built lists without ``limit``: Nova then answers up to its ``max_limit`` (1000)
servers in one page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from instance_operator.openstack.resource import Resource
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient
from instance_operator.openstack.transport import Params

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Resource)


class Pages(Iterator[R]):
    """The items of a paged collection, fetched as the caller iterates (see :func:`paginate`)."""

    def __init__(self, walk: Callable[[Pages[R]], Iterator[R]]) -> None:
        #: The collection sent a next link back to a page already read: items may be missing.
        self.cut_short = False
        self._items = walk(self)

    def __next__(self) -> R:
        return next(self._items)


def paginate(
    client: ServiceClient,
    route: Route,
    *,
    key: str,
    model: type[R],
    params: Params | None = None,
    identity: str = "id",
) -> Pages[R]:
    """Every item of the collection ``key`` once (by its ``identity`` key), page by page; each
    knows its page's request ID."""
    query: list[tuple[str, str]] = list(
        params.items() if isinstance(params, Mapping) else params or []
    )

    def walk(pages: Pages[R]) -> Iterator[R]:
        nonlocal query
        followed = {tuple(sorted(query))}
        seen: set[str] = set()
        while True:
            page = client.get(route, params=query)
            body = page.body if isinstance(page.body, Mapping) else {}
            for raw in body.get(key) or []:
                ident = raw.get(identity) if isinstance(raw, Mapping) else None
                if ident is not None:
                    if ident in seen:
                        continue
                    seen.add(ident)
                yield model.parse(raw, page.request_id)
            link = next_link(body, key)
            if link is None:
                return
            query = parse_qsl(urlsplit(link).query, keep_blank_values=True)
            marker = tuple(sorted(query))
            if marker in followed:
                log.debug("%s: next link %s was followed before; stopping", route.template, link)
                pages.cut_short = True
                return
            followed.add(marker)

    return Pages(walk)


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
