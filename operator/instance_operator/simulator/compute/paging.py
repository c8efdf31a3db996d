"""Nova's paging: ``limit`` (capped at 1000), ``marker``, and the ``next`` link.

Nova adds a next link whenever a page is full, even when nothing follows; clients therefore
stop on an empty page, and so must anything tested against the simulator.
"""

from __future__ import annotations

import threading
from typing import Any, Literal, get_args
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


Glitch = Literal["duplicate", "skip", "loop"]


class PagingGlitches:
    """Paging faults real Nova shows while servers move between cells, for the next server-list
    page requested with a marker (each glitch is used once, in the order queued):

    - ``duplicate``: the page starts again with the previous page's last server;
    - ``skip``: the page leaves out its first server, which then shows on neither page (it moved
      ahead of the marker between the two requests);
    - ``loop``: the page's next link points back to its own marker, a page already read.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: list[Glitch] = []

    def queue(self, kind: str) -> None:
        if kind not in get_args(Glitch):
            raise ValueError(f"unknown paging glitch {kind!r}; expected one of {get_args(Glitch)}")
        with self._lock:
            self._queued.append(kind)  # type: ignore[arg-type]  # checked against Glitch above

    def take(self) -> Glitch | None:
        with self._lock:
            return self._queued.pop(0) if self._queued else None

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
