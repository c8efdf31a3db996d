"""``?watch=true`` streams: a backlog chosen by ``resourceVersion``, then live changes.

A watcher is subscribed in the same synchronous step that computes its backlog, so no change
falls between the two. Each change is offered to the watchers of its resource only, filtered by
namespace and selectors; a MODIFIED object that enters or leaves a selector arrives as ADDED or
DELETED, as from the API server. Bookmarks carry the global resourceVersion: every change up
to it has already been queued to the watcher.

A ``cut`` fault ends a stream as a load balancer would: a TCP reset, with no end chunk, possibly
inside an event (its chunk announces the whole event, half of it follows).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
import struct
from collections.abc import Mapping

from aiohttp import HttpVersion11, web

from instance_operator.kubeapi import errors, tables
from instance_operator.kubeapi.collection import Change, Stored
from instance_operator.kubeapi.resources import ResourceType
from instance_operator.kubeapi.selectors import FieldSelector, LabelSelector
from instance_operator.kubeapi.store import Store

# How many queued events one write to the socket may carry.
_BATCH = 256
# Queued to wake the pump when a cut is armed; never written.
_WAKE = b""


@dataclasses.dataclass(frozen=True)
class Cut:
    """Where a ``cut`` fault drops a stream: after ``events`` events or ``after`` seconds,
    whichever comes first; with ``midway`` inside the event that follows."""

    events: int | None
    after: float | None
    midway: bool


class Watcher:
    def __init__(
        self,
        rtype: ResourceType,
        namespace: str | None,
        labels: LabelSelector,
        fields: FieldSelector,
        *,
        table: bool = False,
    ) -> None:
        self.rtype = rtype
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        #: kubectl's ``get --watch`` wants each object as a one-row Table.
        self.table = table
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        #: Events written so far.
        self.sent = 0
        #: Where an armed cut drops the stream: at this many events sent, or at this loop time.
        self.cut_at_events: int | None = None
        self.cut_at_time: float | None = None
        self.cut_midway = False

    def arm(self, cut: Cut) -> None:
        """Drop this stream as ``cut`` says, counting from now."""
        if cut.events is not None:
            self.cut_at_events = self.sent + cut.events
        if cut.after is not None:
            self.cut_at_time = asyncio.get_running_loop().time() + cut.after
        self.cut_midway = cut.midway
        self.queue.put_nowait(_WAKE)

    def cut_due(self, now: float) -> bool:
        by_events = self.cut_at_events is not None and self.sent >= self.cut_at_events
        return by_events or (self.cut_at_time is not None and now >= self.cut_at_time)

    def selects(self, stored: Stored) -> bool:
        return self.labels.matches(stored.body) and self.fields.matches(stored.body)

    def offer(self, change: Change) -> None:
        if (
            self.namespace is not None
            and change.new.body["metadata"].get("namespace") != self.namespace
        ):
            return
        now_in = self.selects(change.new)
        was_in = change.old is not None and change.type == "MODIFIED" and self.selects(change.old)
        if change.type == "MODIFIED" and now_in != was_in:
            kind = "ADDED" if now_in else "DELETED"
        elif now_in:
            kind = change.type
        else:
            return
        self.send(kind, change.new)

    def send(self, kind: str, stored: Stored) -> None:
        if self.table:
            meta = {"resourceVersion": str(stored.rv)}
            raw = json.dumps(tables.render(self.rtype, [stored], meta)).encode()
        else:
            raw = stored.as_version(self.rtype.api_version)
        self.queue.put_nowait(b'{"type":"' + kind.encode() + b'","object":' + raw + b"}\n")

    def bookmark(self, rv: int, *, initial_end: bool = False) -> None:
        meta: dict[str, object] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {"kind": self.rtype.kind, "apiVersion": self.rtype.api_version, "metadata": meta}
        self.queue.put_nowait(json.dumps({"type": "BOOKMARK", "object": obj}).encode() + b"\n")

    def close(self) -> None:
        self.queue.put_nowait(None)


async def serve(
    request: web.Request,
    store: Store,
    rtype: ResourceType,
    *,
    namespace: str | None,
    labels: LabelSelector,
    fields: FieldSelector,
    bookmark_interval: float,
    cut: Cut | None = None,
) -> web.StreamResponse:
    """Serve one watch; ``cut`` arms a cut fault on it from the start."""
    query = request.query
    table = tables.wants_table(request.headers.get("Accept", ""))
    watcher = Watcher(rtype, namespace, labels, fields, table=table)
    if cut is not None:
        watcher.arm(cut)
    bookmarks = query.get("allowWatchBookmarks") == "true"
    timeout = _seconds(query, "timeoutSeconds")
    coll = store.collection(rtype)
    expired = _fill_backlog(store, watcher, query, bookmarks)
    if expired is None:
        coll.watchers.add(watcher)
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    try:
        with contextlib.suppress(ConnectionError):
            await response.prepare(request)
            if expired is not None:
                await response.write(
                    json.dumps({"type": "ERROR", "object": expired.body()}).encode() + b"\n"
                )
            else:
                every = bookmark_interval if bookmarks else None
                if await _pump(response, store, watcher, timeout=timeout, bookmark_every=every):
                    await _reset(request, watcher)
            await response.write_eof()
    finally:
        coll.watchers.discard(watcher)
    return response


async def _reset(request: web.Request, watcher: Watcher) -> None:
    """Drop the connection with a TCP reset, after half of the next event for a midway cut;
    aiohttp then cancels this handler, as for any connection lost."""
    transport = request.transport
    assert transport is not None
    if watcher.cut_midway:
        line: bytes | None = _WAKE
        while line == _WAKE:
            line = await watcher.queue.get()
        if line is not None:
            # A chunk that announces the whole event and carries half of it (HTTP/1.1 streams
            # are chunked; HTTP/1.0 ones are not).
            chunked = request.version >= HttpVersion11
            size = f"{len(line):x}\r\n".encode() if chunked else b""
            transport.write(size + line[: len(line) // 2])
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger on with a zero timeout: close() sends RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await asyncio.Event().wait()  # until aiohttp cancels the handler of the lost connection


def _fill_backlog(
    store: Store, watcher: Watcher, query: Mapping[str, str], bookmarks: bool
) -> errors.StatusError | None:
    """Queue what precedes the live stream; the 410 to send instead if history is too short."""
    coll = store.collection(watcher.rtype)
    since = query.get("resourceVersion", "")
    initial = query.get("sendInitialEvents") == "true"
    if since in ("", "0") or initial:
        for key in coll.keys(watcher.namespace):
            stored = coll.items[key]
            if watcher.selects(stored):
                watcher.send("ADDED", stored)
        if initial and bookmarks:
            watcher.bookmark(store.rv, initial_end=True)
        return None
    try:
        rv = int(since)
    except ValueError as error:
        raise errors.bad_request(f"invalid resource version: {since!r}") from error
    changes = coll.since(rv)
    if changes is None:
        return errors.expired(f"too old resource version: {rv} ({coll.horizon})")
    for change in changes:
        watcher.offer(change)
    return None


async def _pump(
    response: web.StreamResponse,
    store: Store,
    watcher: Watcher,
    *,
    timeout: float | None,
    bookmark_every: float | None,
) -> bool:
    """Send events until the timeout or the watcher closes (false), or until a cut is due (true)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout if timeout is not None else None
    next_bookmark = loop.time() + bookmark_every if bookmark_every is not None else None
    while True:
        if watcher.cut_due(loop.time()):
            return True
        moments = (deadline, next_bookmark, watcher.cut_at_time)
        waits = [moment - loop.time() for moment in moments if moment is not None]
        try:
            line = (
                await asyncio.wait_for(watcher.queue.get(), max(0.0, min(waits)))
                if waits
                else await watcher.queue.get()
            )
        except TimeoutError:
            if deadline is not None and loop.time() >= deadline:
                return False
            if next_bookmark is not None and loop.time() >= next_bookmark:
                watcher.bookmark(store.rv)
                next_bookmark = loop.time() + (bookmark_every or 0.0)
            continue
        if line is None:
            return False
        batch = [line] if line else []
        room = _BATCH
        if watcher.cut_at_events is not None:
            room = min(room, watcher.cut_at_events - watcher.sent)
        while len(batch) < room and not watcher.queue.empty():
            more = watcher.queue.get_nowait()
            if more is None:
                await _write(response, watcher, batch)
                return False
            if more:
                batch.append(more)
        await _write(response, watcher, batch)


async def _write(response: web.StreamResponse, watcher: Watcher, batch: list[bytes]) -> None:
    if batch:
        await response.write(b"".join(batch))
        watcher.sent += len(batch)


def _seconds(query: Mapping[str, str], name: str) -> float | None:
    if name not in query:
        return None
    try:
        return float(query[name])
    except ValueError as error:
        raise errors.bad_request(f"invalid {name}: {query[name]!r}") from error
