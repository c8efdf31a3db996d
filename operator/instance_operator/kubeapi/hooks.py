"""Request pauses: hold one write at an exact point until a test lets it go.

A crash test needs its client to die at a known moment: "the status PATCH carrying the Running
record was stored, and its answer not yet sent", or "the PATCH carrying the request ID arrived and
was not stored". A test arms a pause for a method, a path and (optionally) a piece of text the
body must contain; the next matching request stops at ``before`` (nothing applied) or ``after``
(applied, no answer yet); the test sees that it was reached, kills the client and releases it.
The server cancels the handler of a client that is gone, so a request held ``before`` is then
never applied, as when a client dies before its write reaches the API server; the pause notes it
(``client_gone``), so a test can wait for that instead of guessing.

Served as a middleware (after the token check), with its controls under ``/_kubeapi/pauses``::

    POST /_kubeapi/pauses                {"point", "method", "path", "contains"} -> the pause
    GET  /_kubeapi/pauses/{id}           how many requests it held, whether released
    POST /_kubeapi/pauses/{id}/release   let them go on

:class:`RemotePauses` is the same over HTTP, for a server in another process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import requests
from aiohttp import web

from instance_operator.devkit import pauses
from instance_operator.kubeapi import errors
from instance_operator.kubeapi.control import PREFIX

POINTS = ("before", "after")
_TIMEOUT = 10.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Pause(pauses.Pause):
    #: Text the raw body must contain, or "" for any body. A pause holds one request.
    contains: str = ""


class Pauses:
    def __init__(self) -> None:
        self._book: pauses.PauseBook[Pause] = pauses.PauseBook(POINTS)

    def arm(self, point: str, method: str, path: str, contains: str = "") -> Pause:
        return self._book.arm(
            lambda id_: Pause(id_, point, method.upper(), path, contains=contains)
        )

    def get(self, pause_id: int) -> Pause:
        return self._book.get(pause_id)

    def release(self, pause_id: int) -> None:
        self._book.release(pause_id)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self._book.empty or request.path.startswith(PREFIX):
            return await handler(request)
        body = (await request.read()).decode(errors="replace") if request.can_read_body else ""
        await self._hold("before", request, body)
        response = await handler(request)
        await self._hold("after", request, body)
        return response

    async def _hold(self, point: str, request: web.Request, body: str) -> None:
        pause = self._book.take(
            lambda p: (
                (p.point, p.method, p.path) == (point, request.method, request.path)
                and p.contains in body
                and p.reached == 0
            ),
            lambda p: None,
        )
        if pause is not None:
            await self._book.hold(pause)

    def routes(self) -> list[web.RouteDef]:
        async def arm(request: web.Request) -> web.Response:
            try:
                pause = self.arm(**await request.json())
            except (ValueError, TypeError) as error:
                raise errors.bad_request(f"invalid pause: {error}") from error
            return web.json_response(asdict(pause), status=201)

        def pause_id(request: web.Request) -> int:
            try:
                return int(request.match_info["pause_id"])
            except ValueError as error:
                raise errors.no_such_path() from error

        async def get(request: web.Request) -> web.Response:
            try:
                return web.json_response(asdict(self.get(pause_id(request))))
            except KeyError as error:
                raise errors.no_such_path() from error

        async def release(request: web.Request) -> web.Response:
            try:
                self.release(pause_id(request))
            except KeyError as error:
                raise errors.no_such_path() from error
            return web.json_response({})

        return [
            web.post(f"{PREFIX}/pauses", arm),
            web.get(f"{PREFIX}/pauses/{{pause_id}}", get),
            web.post(f"{PREFIX}/pauses/{{pause_id}}/release", release),
        ]


class RemotePauses:
    """The methods of :class:`Pauses`, over HTTP."""

    def __init__(self, url: str) -> None:
        self._url = f"{url}{PREFIX}/pauses"

    def arm(self, point: str, method: str, path: str, contains: str = "") -> Pause:
        body: dict[str, Any] = {"point": point, "method": method, "path": path}
        body["contains"] = contains
        response = requests.post(self._url, json=body, timeout=_TIMEOUT)
        response.raise_for_status()
        return Pause(**response.json())

    def get(self, pause_id: int) -> Pause:
        response = requests.get(f"{self._url}/{pause_id}", timeout=_TIMEOUT)
        response.raise_for_status()
        return Pause(**response.json())

    def release(self, pause_id: int) -> None:
        requests.post(f"{self._url}/{pause_id}/release", timeout=_TIMEOUT).raise_for_status()
