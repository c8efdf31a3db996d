"""``KubeAPI``: the emulated API server, in-process (own thread and loop) or on the caller's loop."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from instance_operator.kubeapi import control, discovery, errors, openapi
from instance_operator.kubeapi.counters import Counters
from instance_operator.kubeapi.faults import Faults
from instance_operator.kubeapi.handlers import ResourceHandler
from instance_operator.kubeapi.hooks import Pauses
from instance_operator.kubeapi.kubeconfig import render_kubeconfig
from instance_operator.kubeapi.resources import ResourceType
from instance_operator.kubeapi.store import Store

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: How long stopping waits for requests still in flight (hung faults) before cancelling them.
_SHUTDOWN_SECONDS = 1.0


class KubeAPI:
    """An in-memory Kubernetes API server on 127.0.0.1.

    ``watch_history`` is how many changes per resource a watch can resume from (older
    resourceVersions get 410 Expired); ``bookmark_interval`` is the seconds between BOOKMARK
    events on watches that allow them; ``token``, if given, is required as a bearer token.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        token: str | None = None,
        watch_history: int = 10_000,
        bookmark_interval: float = 5.0,
    ) -> None:
        if watch_history < 1:
            raise ValueError("watch_history must be at least 1")
        if bookmark_interval <= 0:
            raise ValueError("bookmark_interval must be positive")
        self.faults = Faults()
        self.counters = Counters()
        self.pauses = Pauses()
        self.token = token
        self._port = port
        self._store = Store(watch_history)
        self._resources = ResourceHandler(
            self._store, self.faults, self.counters, bookmark_interval
        )
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the server is not running")
        return self._url

    # -- running -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on the running loop until :meth:`stop`."""
        app = web.Application(
            middlewares=[self._guard, self.pauses.middleware], client_max_size=64 * 1024 * 1024
        )
        app.add_routes(control.routes(self.faults, self.counters))
        app.add_routes(self.pauses.routes())
        app.add_routes(self._discovery_routes())
        app.router.add_route("*", "/{path:.*}", self._resources.handle)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_SECONDS, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._url = f"http://{host}:{port}"
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._store.close_watchers()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._loop = None

    @contextlib.contextmanager
    def running(self) -> Iterator[KubeAPI]:
        """Serve from a background thread with its own event loop for the ``with`` block."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failures: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as error:  # handed to the caller's thread below
                failures.append(error)
            started.set()
            if not failures:
                loop.run_forever()
            loop.close()

        thread = threading.Thread(target=serve, name="kubeapi", daemon=True)
        thread.start()
        started.wait()
        if failures:
            raise failures[0]
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()

    # -- helpers for tests and tools -----------------------------------------------------------

    def write_kubeconfig(self, path: str | Path, namespace: str = "default") -> Path:
        """A kubeconfig for this server that kopf, the kubernetes client and kubectl accept."""
        target = Path(path)
        target.write_text(render_kubeconfig(self.url, token=self.token, namespace=namespace))
        return target

    def objects(self, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """Copies of the stored objects of ``resource`` (``plural`` or ``plural.group``), by key."""

        def read() -> list[dict[str, Any]]:
            coll = self._store.collection(self._resolve(resource))
            return [copy.deepcopy(coll.items[key].body) for key in coll.keys(namespace)]

        return self._on_loop(read)

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """A copy of one stored object, or ``None``."""

        def read() -> dict[str, Any] | None:
            found = self._store.lookup(self._resolve(resource), namespace, name)
            return copy.deepcopy(found.body) if found is not None else None

        return self._on_loop(read)

    def _resolve(self, resource: str) -> ResourceType:
        rtypes = self._store.catalog.find(resource)
        if len({rtype.key for rtype in rtypes}) != 1:
            raise ValueError(f"{resource!r} names {len(rtypes)} served resources; try plural.group")
        return rtypes[0]

    def _on_loop(self, read: Callable[[], T]) -> T:
        """Run a read on the server's loop, so it never sees a write half done."""
        loop = self._loop
        if loop is None or _running_loop() is loop:
            return read()

        async def call() -> T:
            return read()

        return asyncio.run_coroutine_threadsafe(call(), loop).result()

    # -- HTTP ----------------------------------------------------------------------------------

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Bearer-token check, and every failure rendered as a ``kind: Status`` body."""
        try:
            if (
                self.token is not None
                and request.headers.get("Authorization") != f"Bearer {self.token}"
            ):
                raise errors.unauthorized()
            return await handler(request)
        except errors.StatusError as error:
            return web.json_response(error.body(), status=error.code)
        except web.HTTPException:
            raise
        except Exception as error:
            logger.exception("Unexpected failure in %s %s", request.method, request.path)
            failure = errors.internal_error(repr(error))
            return web.json_response(failure.body(), status=failure.code)

    def _discovery_routes(self) -> list[web.RouteDef]:
        catalog = self._store.catalog

        def document(
            build: Callable[[web.Request], dict[str, Any]],
        ) -> Callable[[web.Request], Awaitable[web.Response]]:
            async def handle(request: web.Request) -> web.Response:
                return web.json_response(build(request))

            return handle

        async def healthy(_: web.Request) -> web.Response:
            return web.Response(text="ok")

        return [
            web.get("/version", document(lambda _: discovery.version())),
            web.get("/api", document(lambda request: discovery.core_versions(request.host))),
            web.get("/api/v1", document(lambda _: discovery.resource_list(catalog, "", "v1"))),
            web.get("/apis", document(lambda _: discovery.group_list(catalog))),
            web.get(
                "/apis/{group}", document(lambda r: discovery.group(catalog, r.match_info["group"]))
            ),
            web.get(
                "/apis/{group}/{version}",
                document(
                    lambda r: discovery.resource_list(
                        catalog, r.match_info["group"], r.match_info["version"]
                    )
                ),
            ),
            web.get("/openapi/v3", document(lambda _: openapi.root(catalog))),
            web.get(
                "/openapi/v3/api/v1", document(lambda _: openapi.group_version(catalog, "", "v1"))
            ),
            web.get(
                "/openapi/v3/apis/{group}/{version}",
                document(
                    lambda r: openapi.group_version(
                        catalog, r.match_info["group"], r.match_info["version"]
                    )
                ),
            ),
            *(web.get(path, healthy) for path in ("/healthz", "/livez", "/readyz")),
        ]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
