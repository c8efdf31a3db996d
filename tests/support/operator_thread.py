"""The real operator (``build_operator(...).run()``, as ``instance-operator run`` does) on a thread.

In-process so that a test can stop it at a chosen moment and start a new one, like a restart; the
end-to-end suite runs it as a subprocess instead. An operator that fails or stops on its own while
the test runs fails that test when the ``with`` block ends (a crash the test's own assertions
happen not to notice must not pass).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kubernetes import client as k8s
from kubernetes import config as k8s_config

from instance_operator.controller.config import OperatorConfig
from instance_operator.controller.kopf_side.assembly import build_operator
from instance_operator.controller.runtime import Controller

#: Cadences that make a test take seconds, not minutes.
FAST = OperatorConfig(
    standalone=True,
    workers=4,
    poll_interval=1.0,
    fast_poll_interval=0.2,
    resync_interval=5.0,
    secret_poll_interval=0.5,
    user_error_retry=2.0,
    transient_retry_min=0.2,
    transient_retry_max=2.0,
    lookup_cache_ttl=1.0,
    metrics_port=0,
)


@contextmanager
def operator_running(kubeconfig: Path, config: OperatorConfig = FAST) -> Iterator[Controller]:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)  # type: ignore[no-untyped-call]
    api = k8s.ApiClient(configuration)
    operator = build_operator(config, api)
    loop = asyncio.new_event_loop()
    stop = threading.Event()
    ready = threading.Event()
    failure: list[BaseException] = []
    #: Set when ``run`` returned before it was told to stop.
    ended_early = threading.Event()

    def serve() -> None:
        try:
            operator.run(loop=loop, stop_flag=stop, ready_flag=ready)
        except BaseException as exc:  # surfaced in the test thread below
            failure.append(exc)
            ready.set()
        else:
            if not stop.is_set():
                ended_early.set()

    thread = threading.Thread(target=serve, name="operator", daemon=True)
    thread.start()
    assert ready.wait(30), "the operator did not start"
    if failure:
        raise failure[0]
    try:
        yield operator.controller
    finally:
        stop.set()
        thread.join(30)
        loop.close()
        assert not thread.is_alive(), "the operator did not stop"
    if failure:
        raise AssertionError(f"the operator crashed while the test ran: {failure[0]!r}") from (
            failure[0]
        )
    assert not ended_early.is_set(), "the operator stopped on its own while the test ran"
