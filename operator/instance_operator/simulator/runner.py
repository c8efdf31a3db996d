"""``Simulator``: the simulated cloud served on 127.0.0.1 from a background thread.

The thread owns its own event loop, so the simulator works the same under a synchronous test,
inside an asyncio program, and in the CLI. ``running()`` starts it, waits until it listens,
and stops it (closing every connection, hung ones included) on exit.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from instance_operator.simulator.cloud import Cloud
from instance_operator.simulator.clouds import clouds_yaml
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.controls import Controls
from instance_operator.simulator.http.app import PIPELINE, build_app

_STARTUP_TIMEOUT = 30.0


class Simulator:
    """One simulated cloud on 127.0.0.1; ``with Simulator(config).running() as sim: ...``.

    ``clock``, ``faults``, ``counters`` and ``servers`` steer and observe it from Python; the same
    controls are served under ``/_sim`` for a simulator running in another process.
    """

    def __init__(
        self, config: SimulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SimulatorConfig()
        self._host = host
        self._port = port
        self._cloud = Cloud(self.config)
        self._controls = Controls(self._cloud, lambda: self.base_url)
        #: The simulator's time: ``now()``, ``freeze()``, ``advance(seconds)``, ``resume()``.
        self.clock = self._controls.clock
        #: Run-time fault settings: ``get()``, ``set(**changes)``, ``clear()``.
        self.faults = self._controls.faults
        #: Request accounting: ``snapshot()``, ``count(...)``, ``max_requests_per_second(service)``.
        self.counters = self._controls.counters
        #: Server state: ``get(id)``, ``list()``, ``count()``, ``create(...)``, ``delete(id)``.
        self.servers = self._controls.servers
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    # ---- where it is --------------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._ready.is_set():
            raise RuntimeError("the simulator is not running")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/identity/v3"

    def clouds_yaml(
        self,
        cloud_name: str = "simulator",
        *,
        user: str | None = None,
        application_credential: str | None = None,
    ) -> str:
        return clouds_yaml(self.auth_url, self.config, cloud_name, user, application_credential)

    # ---- controls -----------------------------------------------------------------------

    def reset(self) -> None:
        self._controls.reset()

    def expire_tokens(self) -> None:
        self._controls.expire_tokens()

    # ---- life cycle ---------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[Simulator]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        self._thread = threading.Thread(target=self._serve, name="openstack-simulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(_STARTUP_TIMEOUT) or self._failure is not None:
            self.stop()
            raise RuntimeError("the simulator did not start") from self._failure

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=30)
        self._thread = None
        self._loop = None
        self._ready.clear()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:
            self._failure = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _startup(self) -> None:
        app = build_app(self._cloud, self._controls, self._config_json)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def _shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.app[PIPELINE].cancel_inflight()
            await runner.cleanup()
        current = asyncio.current_task()
        leftovers = [t for t in asyncio.all_tasks() if t is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)

    def _config_json(self) -> Any:
        return self.config.model_dump(mode="json")
