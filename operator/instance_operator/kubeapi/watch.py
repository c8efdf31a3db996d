"""``?watch=true`` streams: a backlog chosen by ``resourceVersion``, then live changes.

A watcher is subscribed in the same synchronous step that computes its backlog, so no change
falls between the two. Each change is offered to the watchers of its resource only, filtered by
namespace and selectors; a MODIFIED object that enters or leaves a selector arrives as ADDED or
DELETED, as from the API server. Bookmarks carry the global resourceVersion: every change up
to it has already been queued to the watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping

from aiohttp import web

from instance_operator.kubeapi import errors, tables
from instance_operator.kubeapi.collection import Change, Stored
from instance_operator.kubeapi.resources import ResourceType
from instance_operator.kubeapi.selectors import FieldSelector, LabelSelector
from instance_operator.kubeapi.store import Store

# How many queued events one write to the socket may carry.
_BATCH = 256


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
) -> web.StreamResponse:
    query = request.query
    table = tables.wants_table(request.headers.get("Accept", ""))
    watcher = Watcher(rtype, namespace, labels, fields, table=table)
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
                await _pump(
                    response, store, watcher, timeout, bookmark_interval if bookmarks else None
                )
            await response.write_eof()
    finally:
        coll.watchers.discard(watcher)
    return response


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
    timeout: float | None,
    bookmark_every: float | None,
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout if timeout is not None else None
    next_bookmark = loop.time() + bookmark_every if bookmark_every is not None else None
    while True:
        waits = [moment - loop.time() for moment in (deadline, next_bookmark) if moment is not None]
        try:
            line = (
                await asyncio.wait_for(watcher.queue.get(), max(0.0, min(waits)))
                if waits
                else await watcher.queue.get()
            )
        except TimeoutError:
            if deadline is not None and loop.time() >= deadline:
                return
            assert bookmark_every is not None
            watcher.bookmark(store.rv)
            next_bookmark = loop.time() + bookmark_every
            continue
        if line is None:
            return
        batch = [line]
        while len(batch) < _BATCH and not watcher.queue.empty():
            more = watcher.queue.get_nowait()
            if more is None:
                await response.write(b"".join(batch))
                return
            batch.append(more)
        await response.write(b"".join(batch))


def _seconds(query: Mapping[str, str], name: str) -> float | None:
    if name not in query:
        return None
    try:
        return float(query[name])
    except ValueError as error:
        raise errors.bad_request(f"invalid {name}: {query[name]!r}") from error
