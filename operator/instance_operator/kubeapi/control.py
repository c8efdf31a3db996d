"""``/_kubeapi/``: counters and faults over HTTP, for a server running in another process.

``GET /_kubeapi/counters`` returns ``{"requests": [...], "writes": [...]}``;
``DELETE`` resets them. ``GET /_kubeapi/faults`` lists the rules, ``POST`` adds one (a JSON
object with :meth:`Faults.inject`'s arguments) and answers ``{"id": N}``, ``DELETE`` clears.
A ``down`` fault takes this endpoint down too: it answers first, then the listener closes.
"""

from __future__ import annotations

from aiohttp import web

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.counters import Counters
from instance_operator.kubeapi.faults import Faults

PREFIX = "/_kubeapi"


def routes(faults: Faults, counters: Counters) -> list[web.RouteDef]:
    async def get_counters(_: web.Request) -> web.Response:
        return web.json_response(counters.snapshot())

    async def reset_counters(_: web.Request) -> web.Response:
        counters.reset()
        return web.json_response({})

    async def get_faults(_: web.Request) -> web.Response:
        return web.json_response({"faults": faults.rules()})

    async def add_fault(request: web.Request) -> web.Response:
        try:
            rule = await request.json()
            fault_id = faults.inject(**rule)
        except (ValueError, TypeError) as error:
            raise errors.bad_request(f"invalid fault: {error}") from error
        return web.json_response({"id": fault_id}, status=201)

    async def clear_faults(_: web.Request) -> web.Response:
        faults.clear()
        return web.json_response({})

    return [
        web.get(f"{PREFIX}/counters", get_counters),
        web.delete(f"{PREFIX}/counters", reset_counters),
        web.get(f"{PREFIX}/faults", get_faults),
        web.post(f"{PREFIX}/faults", add_fault),
        web.delete(f"{PREFIX}/faults", clear_faults),
    ]
