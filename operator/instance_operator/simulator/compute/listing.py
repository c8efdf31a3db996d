"""``GET /servers`` and ``/servers/detail``: filters, newest-first paging, next links.

Servers live in creation order, so newest-first is a reverse walk and a marker is one dict
look-up; a page of 1,000 out of 10,000 touches at most the servers it skips over.
``changes-since`` also returns deleted servers (status DELETED), which is how a client
notices deletions it did not make.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from instance_operator.simulator.compute.lifecycle import Compute
from instance_operator.simulator.compute.list_query import reject_unknown
from instance_operator.simulator.compute.model import Server
from instance_operator.simulator.compute.paging import PagingGlitches, next_links, page_limit
from instance_operator.simulator.compute.views import Links, ServerView
from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, ok
from instance_operator.simulator.timefmt import parse_isotime

Check = Callable[[Server], bool]


def _time(req: ApiRequest, key: str) -> float | None:
    raw = req.query.get(key)
    if raw is None:
        return None
    try:
        return parse_isotime(raw)
    except ValueError:
        raise ApiError(
            400,
            f"Invalid input for query parameters {key}. Value: {raw}. '{raw}' is not a 'date-time'",
        ) from None


def _name_check(pattern: str) -> Check:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error:
        compiled = re.compile(re.escape(pattern), re.IGNORECASE)
    return lambda s: compiled.search(s.name) is not None


def _tag_checks(req: ApiRequest) -> list[Check]:
    if not req.at_least(2, 26):
        return []

    def values(key: str) -> set[str] | None:
        raw = req.query.get(key)
        return {t for t in raw.split(",") if t} if raw is not None else None

    checks: list[Check] = []
    if (every := values("tags")) is not None:
        checks.append(lambda s: every <= set(s.tags))
    if (some := values("tags-any")) is not None:
        checks.append(lambda s: bool(some & set(s.tags)))
    if (not_every := values("not-tags")) is not None:
        checks.append(lambda s: not not_every <= set(s.tags))
    if (not_any := values("not-tags-any")) is not None:
        checks.append(lambda s: not not_any & set(s.tags))
    return checks


class ServerLister:
    def __init__(self, compute: Compute, view: ServerView, glitches: PagingGlitches) -> None:
        self._compute = compute
        self._view = view
        self._glitches = glitches

    def _scope(self, req: ApiRequest, detail: bool) -> list[Check]:
        token = req.auth
        if "all_tenants" in req.query and req.query["all_tenants"].lower() not in (
            "0",
            "false",
            "off",
            "no",
        ):
            if not token.is_admin:
                which = "detail" if detail else "index"
                raise ApiError(
                    403,
                    f"Policy doesn't allow os_compute_api:servers:{which}:get_all_tenants to be performed.",
                )
            project = req.query.get("project_id") or req.query.get("tenant_id")
            return [] if project is None else [lambda s: s.project_id == project]
        own = token.project_id
        return [lambda s: s.project_id == own]

    def _checks(self, req: ApiRequest) -> tuple[list[Check], bool]:
        """The filters, and whether deleted servers are listed too.

        Nova's query schema runs first: bad values, then unknown names, then the API's checks.
        """
        since = _time(req, "changes-since")
        before = _time(req, "changes-before") if req.at_least(2, 66) else None
        reject_unknown(req)
        checks: list[Check] = []
        if since is not None and before is not None and before < since:
            raise ApiError(
                400, "The value of changes-since must be less than or equal to changes-before."
            )
        if since is not None:
            checks.append(lambda s: math.floor(s.updated) >= since)
        if before is not None:
            checks.append(lambda s: math.floor(s.updated) <= before)
        if "name" in req.query:
            checks.append(_name_check(req.query["name"]))
        statuses = {v.upper() for v in req.query.getall("status", [])}
        if statuses:
            checks.append(lambda s: s.status in statuses)
        if "flavor" in req.query:
            flavor = req.query["flavor"]
            checks.append(lambda s: s.flavor.id == flavor)
        if "image" in req.query:
            image = req.query["image"]
            checks.append(lambda s: s.image_id == image)
        checks += _tag_checks(req)
        with_deleted = since is not None or before is not None or "DELETED" in statuses
        return checks, with_deleted

    def list(self, req: ApiRequest, detail: bool) -> ApiResponse:
        limit = page_limit(req)
        checks, with_deleted = self._checks(req)
        scope = self._scope(req, detail)
        order = self._compute.order
        start = len(order) - 1
        marker = req.query.get("marker")
        glitch = self._glitches.take() if marker is not None else None
        if marker is not None:
            position = self._compute.position.get(marker)
            if position is None:
                raise ApiError(400, f"marker [{marker}] not found")
            start = position if glitch == "duplicate" else position - 1
        page: list[Server] = []
        skip = glitch == "skip"
        for index in range(start, -1, -1):
            if len(page) >= limit:
                break
            server = order[index]
            if server.deleted and not with_deleted:
                continue
            if server.cell_down and not req.at_least(2, 69):
                continue  # Nova skips down cells before 2.69
            if not all(check(server) for check in scope):
                continue
            # A down cell's servers cannot be filtered: Nova adds them as they are.
            if server.cell_down or all(check(server) for check in checks):
                if skip:
                    skip = False
                    continue
                page.append(server)
        links = Links.of(req)
        if detail:
            servers = [self._view.detail(s, req, links, single=False) for s in page]
        else:
            servers = [self._view.basic(s, links) for s in page]
        body: dict[str, object] = {"servers": servers}
        collection = f"{links.api}/servers/detail" if detail else f"{links.api}/servers"
        last = marker if glitch == "loop" else (page[-1].id if page else None)
        more = next_links(req, collection, page, last, limit)
        if more:
            body["servers_links"] = more
        return ok(body)
