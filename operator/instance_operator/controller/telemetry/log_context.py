"""Which Instance (and server) a log line is about, attached to every record made for it.

A reconcile runs on a worker thread, far from kopf's per-object loggers; a context variable set for
the pass lets every line logged underneath (the actuator's, the OpenStack client's) carry the
Instance. It is stored as kopf's own ``k8s_ref`` record attribute, so kopf's formatters print it:
``[namespace/name]`` in text, an ``object`` field in JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from instance_operator.api import names
from instance_operator.controller.kube import InstanceRef

_current: ContextVar[dict[str, Any] | None] = ContextVar("instance", default=None)
_server: ContextVar[str | None] = ContextVar("server", default=None)


@contextmanager
def log_context(ref: InstanceRef) -> Iterator[None]:
    token = _current.set(
        {
            "apiVersion": names.API_VERSION,
            "kind": names.KIND,
            "namespace": ref.namespace,
            "name": ref.name,
            "uid": ref.uid,
        }
    )
    server = _server.set(None)
    try:
        yield
    finally:
        _server.reset(server)
        _current.reset(token)


def set_server(server_id: str) -> None:
    """The pass now knows its server: later lines carry ``server_id``."""
    _server.set(server_id)


def install() -> None:
    """Attach the context to every record as it is made, whatever handler formats it later.

    A record factory, not a handler filter: tests' capturing handlers and the operator's own
    both see the same attributes, and records from any library (the OpenStack client's) get them.
    Installing twice is harmless.
    """
    base = logging.getLogRecordFactory()
    if getattr(base, "instance_context", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        ref = _current.get()
        if ref is not None:
            record.k8s_ref = ref
        server = _server.get()
        if server is not None:
            record.server_id = server
        return record

    factory.instance_context = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
