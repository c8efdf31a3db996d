"""Logging for ``instance-operator run``: kopf's formatters, quieter defaults, the Instance on
every line.

kopf logs each handler's success at INFO, for every watch event; at thousands of Instances that
drowns what matters, so kopf's per-object chatter is shown only with ``--log-level debug``. The
operator's own lines (created, deleted, actions, every failure) stay at INFO and WARNING.
"""

from __future__ import annotations

import logging

import kopf

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def configure(level: str, fmt: str) -> None:
    kopf.configure(
        debug=level == "debug",
        verbose=level == "debug",
        log_format=kopf.LogFormat.JSON if fmt == "json" else kopf.LogFormat.FULL,
        log_prefix=fmt != "json",
    )
    root = logging.getLogger()
    root.setLevel(_LEVELS[level])
    if fmt != "json":
        for handler in root.handlers:
            handler.setFormatter(ServerSuffix(handler.formatter or logging.Formatter()))
    if level != "debug":
        logging.getLogger("kopf.objects").setLevel(logging.WARNING)
        logging.getLogger("urllib3").setLevel(logging.ERROR)


class ServerSuffix(logging.Formatter):
    """kopf's text formatter, plus the server the line is about."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        text = self._inner.format(record)
        server = getattr(record, "server_id", None)
        if server and server not in text:
            return f"{text} (server {server})"
        return text
