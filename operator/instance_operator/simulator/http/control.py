"""``/_sim``: the controls of ``controls.Controls`` over HTTP, for a simulator in a subprocess.

    GET    /_sim/config              the effective configuration
    GET    /_sim/clock               the simulator's time: {"now": <epoch seconds>, "frozen": bool}
    POST   /_sim/clock/freeze        stop the clock; answers like GET
    POST   /_sim/clock/advance       move it forward by {"seconds": <number >= 0>}; answers like GET
    POST   /_sim/clock/resume        let it run again from where it stands; answers like GET
    GET    /_sim/faults              current fault settings
    PATCH  /_sim/faults              change some settings (JSON object of FaultSettings fields)
    PUT    /_sim/faults              replace all settings
    DELETE /_sim/faults              no faults (and no pauses)
    POST   /_sim/pauses              hold a request: {"point", "method", "path", "count"}
    GET    /_sim/pauses/{id}         how many requests it holds, and whether released
    POST   /_sim/pauses/{id}/release let them go on
    GET    /_sim/counters            request counts and max requests per second
    DELETE /_sim/counters            zero the counters
    GET    /_sim/servers[?deleted=1] every server as an admin sees it
    POST   /_sim/servers             create servers directly: {"count", "name", "status", ...}
    GET    /_sim/servers/{id}        one server (404 if unknown)
    DELETE /_sim/servers/{id}        delete it out of band
    POST   /_sim/servers/{id}/error  its host failed: ERROR with {"message": "..."} as the fault
    PUT    /_sim/servers/{id}/cell   its cell goes down or comes back: {"down": true|false}
    POST   /_sim/paging-glitches     a paging fault for the next marker page: {"kind": "skip"}
    DELETE /_sim/tokens              revoke every token
    POST   /_sim/reset               back to the seeded cloud

Errors are ``{"error": "..."}`` with 400 or 404. These requests skip faults and counters.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from instance_operator.simulator.clock import Clock
from instance_operator.simulator.controls import Controls, ServerControl
from instance_operator.simulator.faults import FaultSettings
from instance_operator.simulator.pauses import Pauses

Handler = Callable[[web.Request], Awaitable[web.Response]]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


async def _object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body is not JSON"}), content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body must be a JSON object"}),
            content_type="application/json",
        )
    return body


def _cell_handler(servers: ServerControl) -> Handler:
    async def set_cell(request: web.Request) -> web.Response:
        body = await _object(request)
        down = body.get("down")
        if set(body) != {"down"} or not isinstance(down, bool):
            return _error(400, 'the body must be {"down": true} or {"down": false}')
        try:
            servers.cell_down(request.match_info["server_id"], down)
        except KeyError:
            return _error(404, "no such server")
        return web.Response(status=204)

    return set_cell


def _glitch_handler(servers: ServerControl) -> Handler:
    async def glitch(request: web.Request) -> web.Response:
        body = await _object(request)
        kind = body.get("kind")
        if set(body) != {"kind"} or not isinstance(kind, str):
            return _error(400, 'the body must be {"kind": "duplicate" | "skip" | "loop"}')
        try:
            servers.glitch_paging(kind)
        except ValueError as exc:
            return _error(400, str(exc))
        return web.Response(status=204)

    return glitch


def _clock_routes(clock: Clock) -> list[tuple[str, str, Handler]]:
    def clock_state() -> web.Response:
        return _json({"now": clock.now(), "frozen": clock.frozen})

    async def get_clock(request: web.Request) -> web.Response:
        return clock_state()

    async def freeze_clock(request: web.Request) -> web.Response:
        clock.freeze()
        return clock_state()

    async def advance_clock(request: web.Request) -> web.Response:
        body = await _object(request)
        seconds = body.get("seconds")
        if (
            set(body) != {"seconds"}
            or isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or seconds < 0
        ):
            return _error(400, 'the body must be {"seconds": <a number of seconds, 0 or more>}')
        clock.advance(float(seconds))
        return clock_state()

    async def resume_clock(request: web.Request) -> web.Response:
        clock.resume()
        return clock_state()

    return [
        ("GET", "/_sim/clock", get_clock),
        ("POST", "/_sim/clock/freeze", freeze_clock),
        ("POST", "/_sim/clock/advance", advance_clock),
        ("POST", "/_sim/clock/resume", resume_clock),
    ]


def register_control(
    app: web.Application, controls: Controls, config_json: Callable[[], Any]
) -> None:
    faults, counters, servers = controls.faults, controls.counters, controls.servers

    async def get_config(request: web.Request) -> web.Response:
        return _json(config_json())

    async def get_faults(request: web.Request) -> web.Response:
        return _json(faults.get().model_dump(mode="json"))

    async def patch_faults(request: web.Request) -> web.Response:
        changes = await _object(request)
        try:
            return _json(faults.set(**changes).model_dump(mode="json"))
        except ValidationError as exc:
            return _error(400, str(exc))

    async def put_faults(request: web.Request) -> web.Response:
        body = await _object(request)
        try:
            FaultSettings.model_validate(body)
        except ValidationError as exc:
            return _error(400, str(exc))
        faults.clear()
        return _json(faults.set(**body).model_dump(mode="json"))

    async def delete_faults(request: web.Request) -> web.Response:
        faults.clear()
        return _json(faults.get().model_dump(mode="json"))

    async def get_counters(request: web.Request) -> web.Response:
        return _json(counters.snapshot().model_dump(mode="json"))

    async def delete_counters(request: web.Request) -> web.Response:
        counters.reset()
        return web.Response(status=204)

    async def list_servers(request: web.Request) -> web.Response:
        deleted = request.query.get("deleted", "").lower() in ("1", "true", "yes")
        return _json({"servers": servers.list(include_deleted=deleted)})

    async def create_servers(request: web.Request) -> web.Response:
        body = await _object(request)
        allowed = {"count", "name", "status", "project", "flavor", "image", "networks"}
        if set(body) - allowed:
            return _error(400, f"unknown fields: {sorted(set(body) - allowed)}")
        try:
            ids = servers.create(**body)
        except (TypeError, ValueError, KeyError) as exc:
            return _error(400, str(exc))
        return _json({"ids": ids}, status=201)

    async def get_server(request: web.Request) -> web.Response:
        view = servers.get(request.match_info["server_id"])
        return _error(404, "no such server") if view is None else _json({"server": view})

    async def delete_server(request: web.Request) -> web.Response:
        try:
            servers.delete(request.match_info["server_id"])
        except KeyError:
            return _error(404, "no such server")
        return web.Response(status=204)

    async def fail_server(request: web.Request) -> web.Response:
        body = await _object(request)
        message = body.get("message")
        if set(body) != {"message"} or not isinstance(message, str):
            return _error(400, 'the body must be {"message": "<fault message>"}')
        try:
            servers.fail(request.match_info["server_id"], message=message)
        except KeyError:
            return _error(404, "no such server")
        except ValueError as exc:
            return _error(400, str(exc))
        return web.Response(status=204)

    async def delete_tokens(request: web.Request) -> web.Response:
        controls.expire_tokens()
        return web.Response(status=204)

    async def reset(request: web.Request) -> web.Response:
        controls.reset()
        return web.Response(status=204)

    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/_sim/config", get_config),
        ("GET", "/_sim/faults", get_faults),
        ("PATCH", "/_sim/faults", patch_faults),
        ("PUT", "/_sim/faults", put_faults),
        ("DELETE", "/_sim/faults", delete_faults),
        ("GET", "/_sim/counters", get_counters),
        ("DELETE", "/_sim/counters", delete_counters),
        ("GET", "/_sim/servers", list_servers),
        ("POST", "/_sim/servers", create_servers),
        ("GET", "/_sim/servers/{server_id}", get_server),
        ("DELETE", "/_sim/servers/{server_id}", delete_server),
        ("POST", "/_sim/servers/{server_id}/error", fail_server),
        ("PUT", "/_sim/servers/{server_id}/cell", _cell_handler(servers)),
        ("POST", "/_sim/paging-glitches", _glitch_handler(servers)),
        ("DELETE", "/_sim/tokens", delete_tokens),
        ("POST", "/_sim/reset", reset),
        *_pause_routes(controls.pauses),
    ]
    for method, path, handler in [*routes, *_clock_routes(controls.clock)]:
        app.router.add_route(method, path, handler)


def _pause_routes(pauses: Pauses) -> list[tuple[str, str, Handler]]:
    async def arm_pause(request: web.Request) -> web.Response:
        body = await _object(request)
        try:
            return _json(pauses.arm(**body).as_dict(), status=201)
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))

    async def get_pause(request: web.Request) -> web.Response:
        try:
            return _json(pauses.get(int(request.match_info["pause_id"])).as_dict())
        except (KeyError, ValueError):
            return _error(404, "no such pause")

    async def release_pause(request: web.Request) -> web.Response:
        try:
            pauses.release(int(request.match_info["pause_id"]))
        except (KeyError, ValueError):
            return _error(404, "no such pause")
        return web.Response(status=204)

    return [
        ("POST", "/_sim/pauses", arm_pause),
        ("GET", "/_sim/pauses/{pause_id}", get_pause),
        ("POST", "/_sim/pauses/{pause_id}/release", release_pause),
    ]
