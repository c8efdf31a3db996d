"""Logging for ``instance-operator run``: kopf's formatters, quieter defaults, the Instance on
every line.

kopf logs each handler's success at INFO, for every watch event; at thousands of Instances that
drowns what matters, so kopf's per-object chatter is shown only with ``--log-level debug``. The
operator's own lines (created, deleted, actions, every failure) stay at INFO and WARNING.

A deletion that waits on the cloud is retried by kopf, which logs every retry at ERROR ("Handler
'finalize' failed temporarily"). Waiting is not an operator error: those lines become WARNING, one
per retry, carrying the reason the finalizer gave.
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
    objects = logging.getLogger("kopf.objects")
    if not any(isinstance(f, RetryIsAWarning) for f in objects.filters):
        objects.addFilter(RetryIsAWarning())
    if level != "debug":
        objects.setLevel(logging.WARNING)
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


class RetryIsAWarning(logging.Filter):
    """kopf's "Handler 'finalize' failed temporarily" lines, at WARNING instead of ERROR."""

    PREFIX = "Handler 'finalize' failed temporarily: "

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and record.getMessage().startswith(self.PREFIX):
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True
