"""``KubeAPI``: the emulated API server, in-process (own thread and loop) or on the caller's loop.

The port is held for the server's whole life by a bound socket that never listens (both it and
the listener set ``SO_REUSEPORT``), so a ``down`` fault can close the listener, during which
connections are refused, and listen again on the same port without another process taking it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from instance_operator.kubeapi import control, discovery, errors, openapi, watch
from instance_operator.kubeapi.counters import Counters
from instance_operator.kubeapi.faults import Fault, Faults
from instance_operator.kubeapi.handlers import ResourceHandler
from instance_operator.kubeapi.hooks import Pauses
from instance_operator.kubeapi.kubeconfig import render_kubeconfig
from instance_operator.kubeapi.rbac import bootstrap
from instance_operator.kubeapi.rbac import routes as rbac_routes
from instance_operator.kubeapi.rbac.access import Access
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
    With ``authorization``, requests are authenticated and authorized with RBAC (see
    :mod:`~instance_operator.kubeapi.rbac`): ``token`` (a random one if not given) is then the
    all-powerful admin's, ServiceAccount tokens name their ServiceAccount, and no token is
    ``system:anonymous``.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        token: str | None = None,
        watch_history: int = 10_000,
        bookmark_interval: float = 5.0,
        authorization: bool = False,
    ) -> None:
        if watch_history < 1:
            raise ValueError("watch_history must be at least 1")
        if bookmark_interval <= 0:
            raise ValueError("bookmark_interval must be positive")
        self.faults = Faults(on_inject=self._on_inject)
        self.counters = Counters()
        self.pauses = Pauses()
        self._port = port
        self._store = Store(watch_history)
        self.access: Access | None = None
        if authorization:
            token = token or secrets.token_urlsafe(32)
            self.access = Access(self._store, token)
            bootstrap.seed(self._store)
        self.token = token
        self._resources = ResourceHandler(
            self._store, self.faults, self.counters, bookmark_interval
        )
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        #: Keeps the port ours while the listener is closed by a ``down`` fault.
        self._port_holder: socket.socket | None = None
        self._outage: asyncio.Task[None] | None = None
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
        if self.access is not None:
            app.add_routes(rbac_routes.routes(self.access.tokens, self.access.audit))
        app.router.add_route("*", "/{path:.*}", self._resources.handle)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=_SHUTDOWN_SECONDS, access_log=None
        )
        await self._runner.setup()
        listener = _listener(self._port)
        host, port = listener.getsockname()[:2]
        self._port_holder = _port_holder(port)
        await self._listen(listener)
        self._url = f"http://{host}:{port}"
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        if self._outage is not None:
            self._outage.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._outage
        self._store.close_watchers()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._port_holder is not None:
            self._port_holder.close()
        self._runner = self._site = self._port_holder = self._outage = None
        self._loop = None

    async def _listen(self, listener: socket.socket) -> None:
        assert self._runner is not None
        self._site = web.SockSite(self._runner, listener)
        await self._site.start()

    # -- server faults -------------------------------------------------------------------------

    def _on_inject(self, fault: Fault) -> None:
        """On the server's loop: carry out a ``gone`` or ``down`` fault, arm a ``cut`` on the
        watches already open."""
        if fault.kind not in ("gone", "down", "cut"):
            return

        def act() -> None:
            rtypes = None if fault.resource is None else self._store.catalog.find(fault.resource)
            if fault.kind == "cut":
                self._arm_open_watches(fault, rtypes)
                return
            if fault.kind == "gone":
                if rtypes == []:
                    raise ValueError(f"no served resource is named {fault.resource!r}")
                self._store.restart_watch_cache(rtypes)
                return
            if self._runner is None:
                raise ValueError("a down fault needs a running server")
            if self._outage is not None and not self._outage.done():
                raise ValueError("the API server is already down")
            self._outage = asyncio.get_running_loop().create_task(self._down(fault.seconds))

        self._on_loop(act)

    def _arm_open_watches(self, fault: Fault, rtypes: list[ResourceType] | None) -> None:
        for coll in self._store.collections(rtypes):
            for watcher in list(coll.watchers):
                if isinstance(watcher, watch.Watcher) and self.faults.claim(fault):
                    cut = watch.Cut(fault.events, self.faults.cut_delay(fault), fault.midway)
                    watcher.arm(cut)

    async def _down(self, seconds: float) -> None:
        """Gone as a killed process is: no listener, every connection closed, the watch cache
        lost; then back on the same port with the same objects."""
        assert self._runner is not None
        assert self._runner.server is not None
        assert self._site is not None
        assert self._url is not None
        await self._site.stop()
        self._site = None
        self._store.restart_watch_cache()
        for connection in self._runner.server.connections:
            if connection.transport is not None:
                connection.transport.abort()
        logger.info("Down for %g s (fault)", seconds)
        await asyncio.sleep(seconds)
        await self._listen(_listener(int(self._url.rsplit(":", 1)[1])))
        logger.info("Serving again on %s", self._url)

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

    def service_account_token(self, namespace: str, name: str) -> str:
        """A token for the ServiceAccount, as its TokenRequest subresource issues one."""
        if self.access is None:
            raise RuntimeError("ServiceAccount tokens need KubeAPI(authorization=True)")
        tokens = self.access.tokens
        return self._on_loop(lambda: tokens.issue(namespace, name))

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

    def open_watches(self, resource: str) -> int:
        """How many watches of ``resource`` are being served now."""
        return self._on_loop(lambda: len(self._store.collection(self._resolve(resource)).watchers))

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
        """Authentication and authorization (or the bearer-token check), and every failure
        rendered as a ``kind: Status`` body. ``/_kubeapi/`` is the test harness's, not Kubernetes'."""
        try:
            if self.access is not None:
                if not request.path.startswith(control.PREFIX):
                    await self.access.check(request)
            elif (
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


def _listener(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def _port_holder(port: int) -> socket.socket:
    """A socket bound to the port that never listens: no one else can bind it, and with no
    listener a connection is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
