"""What happens to every API request, in order, before and after its handler.

count arrival -> pause ``received`` -> roll the fault dice (latency, reset, hang, 413/429,
500/503) -> check the token -> negotiate the compute microversion -> read the body -> pause
``read``, hold fault -> run the handler under the cloud lock -> render errors in the service's
shape -> add request-ID and version headers -> pause ``acted`` -> count the answer. Control
requests (``/_sim``) bypass all of it. A request whose client is gone is still carried out once
its body is read (aiohttp does not cancel the handler), as nova-api would.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from instance_operator.simulator.cloud import Cloud
from instance_operator.simulator.compute import microversion
from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.faults import Decision, Outcome
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, Version
from instance_operator.simulator.http.error_bodies import (
    has_request_id,
    load_balancer_503,
    render,
    webob_error,
)
from instance_operator.simulator.http.routing import Route, service_of
from instance_operator.simulator.identity.tokens import UNAUTHORIZED

_INTERNAL = {
    "identity": "An unexpected error prevented the server from fulfilling your request.",
    "compute": (
        "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach "
        "the Nova API log if possible.\n<class 'oslo_db.exception.DBConnectionError'>"
    ),
    "image": "The server has either erred or is incapable of performing the requested operation.",
    "network": "Request Failed: internal server error while processing your request.",
}

Endpoint = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _reset_connection(request: web.Request) -> None:
    """Drop the connection with a TCP RST, the way a crashed proxy does."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def to_web(answer: ApiResponse) -> web.Response:
    headers = {**answer.headers, "Content-Type": answer.content_type}
    if answer.status == 204:
        return web.Response(status=204, headers=headers)
    if answer.text is not None:
        data = answer.text.encode()
    elif answer.body is None:
        data = b""
    else:
        data = json.dumps(answer.body).encode()
    return web.Response(status=answer.status, body=data, headers=headers)


class Pipeline:
    def __init__(self, cloud: Cloud) -> None:
        self._cloud = cloud
        self._inflight: set[asyncio.Task[Any]] = set()
        versions = cloud.config.microversions
        self._min: Version = microversion.parse(versions.min)
        self._max: Version = microversion.parse(versions.max)

    def endpoint(self, route: Route) -> Endpoint:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.handle(request, route)

        return handle

    async def handle(self, request: web.Request, route: Route) -> web.StreamResponse:
        cloud = self._cloud
        cloud.counters.arrived(route.service, cloud.clock.now())
        status = 0
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        pauses = cloud.faults.pauses

        def gone() -> bool:  # aiohttp drops the transport when the connection is lost
            return request.transport is None

        try:
            await pauses.reached("received", request.method, route.template, gone)
            decision = cloud.faults.roll(route.service)
            if decision.latency > 0:
                await asyncio.sleep(decision.latency)
            if decision.outcome is Outcome.TIMEOUT:
                await asyncio.sleep(decision.settings.timeout_seconds)
            if decision.outcome in (Outcome.TIMEOUT, Outcome.RESET):
                _reset_connection(request)
                return web.Response(status=499)
            response = await asyncio.to_thread(to_web, await self._answer(request, route, decision))
            status = response.status
            await pauses.reached("acted", request.method, route.template, gone)
            return response
        finally:
            if task is not None:
                self._inflight.discard(task)
            cloud.counters.record(route.service, request.method, route.template, status)

    async def cancel_inflight(self) -> None:
        """Cancel requests still being handled (hung by a timeout fault), so stopping is quick."""
        tasks = list(self._inflight)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _answer(self, request: web.Request, route: Route, decision: Decision) -> ApiResponse:
        service = route.service
        request_id = f"req-{uuid.uuid4()}"
        headers = {"x-openstack-request-id": request_id}
        if service == "compute":
            headers["x-compute-request-id"] = request_id
        if service == "identity":
            headers["Vary"] = "X-Auth-Token"
        origin = f"{request.scheme}://{request.host}"
        try:
            answer = await self._handled(
                request, route, decision, origin=origin, request_id=request_id, headers=headers
            )
        except ApiError as error:
            answer = render(service, error, request.headers.get("Accept", ""), f"{origin}/identity")
            if not has_request_id(service, error.status):
                del headers["x-openstack-request-id"]
        answer.headers.update(headers)
        return answer

    async def _handled(
        self,
        request: web.Request,
        route: Route,
        decision: Decision,
        *,
        origin: str,
        request_id: str,
        headers: dict[str, str],
    ) -> ApiResponse:
        cloud, service = self._cloud, route.service
        if decision.outcome is Outcome.OVER_LIMIT:
            settings = decision.settings
            raise ApiError(
                settings.over_limit_status,
                "This request was rate-limited.",
                headers=settings.retry_after_header(),
            )
        if decision.outcome is Outcome.ERROR:
            if decision.settings.error_status == 503:
                return load_balancer_503()
            raise ApiError(500, _INTERNAL[service])
        token = None
        if not route.public:
            with cloud.lock:
                token = cloud.identity.validate(
                    request.headers.get("X-Auth-Token"), cloud.clock.now()
                )
            if token is None or token.project is None:
                raise ApiError(401, UNAUTHORIZED)
        version: Version = (2, 1)
        if service == "compute" and route.versioned:
            version = microversion.negotiate(request.headers, self._min, self._max)
            headers.update(microversion.echo_headers(microversion.spell(version)))
            in_url = request.match_info.get("project_id")
            if token is not None and in_url is not None and in_url != token.project_id:
                raise ApiError(
                    400,
                    f"Malformed request URL: URL's project_id '{in_url}' doesn't match "
                    f"Context's project_id '{token.project_id}'",
                )
        body = await _json_body(request)
        await cloud.faults.pauses.reached(
            "read", request.method, route.template, lambda: request.transport is None
        )
        if decision.outcome is Outcome.HOLD:
            await asyncio.sleep(decision.settings.hold_seconds)

        def locked() -> ApiResponse:
            with cloud.lock:
                now = cloud.clock.now()
                cloud.advance(now)
                return route.handler(
                    ApiRequest(
                        params=dict(request.match_info),
                        query=request.query,
                        body=body,
                        origin=origin,
                        request_id=request_id,
                        now=now,
                        token=token,
                        version=version,
                    )
                )

        # Off the event loop: rendering a page of 1,000 servers takes a while, and the loop must
        # keep accepting (and time-stamping) requests meanwhile, or the per-second counters see
        # the requests that queued up as one burst.
        return await asyncio.to_thread(locked)


async def _json_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "Malformed request body") from None


def unmatched_middleware(cloud: Cloud) -> Any:
    """Paths and methods no route takes: answered in the service's shape and counted."""

    @web.middleware
    async def middleware(request: web.Request, handler: Endpoint) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status not in (404, 405):
                raise
            service = service_of(request.path)
            if service is None:
                raise
            answer = (
                render(service, ApiError(exc.status, "The resource could not be found."), "", "")
                if service == "identity"
                else webob_error(
                    exc.status,
                    "The resource could not be found.",
                    "application/json" in request.headers.get("Accept", ""),
                )
            )
            answer.headers["x-openstack-request-id"] = f"req-{uuid.uuid4()}"
            if service == "identity":
                answer.headers["Vary"] = "X-Auth-Token"
            cloud.counters.arrived(service, cloud.clock.now())
            cloud.counters.record(service, request.method, "<unmatched>", exc.status)
            return to_web(answer)

    return middleware
