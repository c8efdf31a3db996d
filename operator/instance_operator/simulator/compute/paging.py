"""Nova's paging: ``limit`` (capped at 1000), ``marker``, and the ``next`` link.

Nova adds a next link whenever a page is full, even when nothing follows; clients therefore
stop on an empty page, and so must anything tested against the simulator.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest

MAX_LIMIT = 1000


def page_limit(req: ApiRequest) -> int:
    raw = req.query.get("limit")
    if raw is None:
        return MAX_LIMIT
    if not raw.isdigit():
        raise ApiError(
            400,
            f"Invalid input for query parameters limit. Value: {raw}. '{raw}' does not match '^[0-9]*$'",
        )
    return min(int(raw), MAX_LIMIT)


def next_links(
    req: ApiRequest, url: str, items: list[Any], last_id: str | None, limit: int
) -> list[dict[str, str]]:
    """``[{"rel": "next", ...}]`` when the page is full, else ``[]``."""
    if not items or last_id is None or len(items) != limit:
        return []
    params = [(k, v) for k, v in req.query.items() if k != "marker"] + [("marker", last_id)]
    return [{"href": f"{url}?{urlencode(sorted(params))}", "rel": "next"}]
