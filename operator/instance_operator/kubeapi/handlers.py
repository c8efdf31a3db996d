"""The resource endpoints: count, inject faults, then run the verb against the store."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from instance_operator.kubeapi import errors, routing, tables, watch
from instance_operator.kubeapi.collection import Stored
from instance_operator.kubeapi.counters import Counters
from instance_operator.kubeapi.faults import Fault, Faults
from instance_operator.kubeapi.resources import WRITE_VERBS
from instance_operator.kubeapi.routing import Target
from instance_operator.kubeapi.selectors import FieldSelector, LabelSelector
from instance_operator.kubeapi.store import Store

JSON = "application/json"


class ResourceHandler:
    def __init__(
        self, store: Store, faults: Faults, counters: Counters, bookmark_interval: float
    ) -> None:
        self.store = store
        self.faults = faults
        self.counters = counters
        self.bookmark_interval = bookmark_interval

    async def handle(self, request: web.Request) -> web.StreamResponse:
        target = routing.parse(request.rel_url.raw_path, self.store.catalog)
        verb = routing.verb(request.method, target, request.query)
        rtype = target.rtype
        self.counters.count_request(
            verb, rtype.group, rtype.plural, target.subresource, target.namespace or ""
        )
        if "dryRun" in request.query:
            raise errors.bad_request("dryRun is not supported by this emulated API server")
        body = await _read_body(request) if verb in WRITE_VERBS else None
        name = target.name or (_name_in(body) if verb == "create" else None)
        try:
            delay, fault = self.faults.draw(verb, rtype.group, rtype.plural)
            if delay:
                await asyncio.sleep(delay)
            cut = None
            if fault is not None and fault.kind == "cut":
                cut = watch.Cut(fault.events, self.faults.cut_delay(fault), fault.midway)
            elif fault is not None:
                await _fail(fault, target, name or "")
            if verb == "watch":
                return await self._watch(request, target, cut)
            if verb == "list":
                return self._list(request, target)
            response, stored = self._run(verb, target, request, body)
            if verb == "create":
                name = stored.body["metadata"]["name"]
            return response
        finally:
            if verb in WRITE_VERBS and name:
                self.counters.count_write(rtype.group, rtype.plural, target.namespace or "", name)

    def _run(
        self, verb: str, target: Target, request: web.Request, body: Any
    ) -> tuple[web.Response, Stored]:
        store, rtype, namespace, name = self.store, target.rtype, target.namespace, target.name
        av = rtype.api_version
        strict = request.query.get("fieldValidation") == "Strict"
        if verb == "create":
            stored = store.create(rtype, namespace, body, strict=strict)
            return web.Response(status=201, body=stored.as_version(av), content_type=JSON), stored
        assert name is not None
        if verb == "get":
            stored = store.get(rtype, namespace, name)
            if tables.wants_table(request.headers.get("Accept", "")):
                return web.json_response(tables.render(rtype, [stored], {})), stored
        elif verb == "update":
            stored = store.update(
                rtype, namespace, name, body, subresource=target.subresource, strict=strict
            )
        elif verb == "patch":
            content_type = request.headers.get("Content-Type", "")
            stored = store.patch(
                rtype,
                namespace,
                name,
                content_type=content_type,
                patch=body,
                subresource=target.subresource,
                strict=strict,
            )
        else:
            options = body if isinstance(body, dict) else {}
            stored, gone = store.delete(rtype, namespace, name, options)
            if gone and not rtype.custom:
                meta = stored.body["metadata"]
                details = {
                    "name": name,
                    "group": rtype.group,
                    "kind": rtype.plural,
                    "uid": meta.get("uid"),
                }
                success = {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Success",
                    "details": details,
                }
                return web.json_response(success), stored
        return web.Response(body=stored.as_version(av), content_type=JSON), stored

    def _list(self, request: web.Request, target: Target) -> web.Response:
        rtype, query = target.rtype, request.query
        labels, fields = _selectors(request, target)
        try:
            limit = int(query.get("limit") or 0)
        except ValueError as error:
            raise errors.bad_request(f"invalid limit: {query['limit']!r}") from error
        page = self.store.list(
            rtype,
            target.namespace,
            labels=labels,
            fields=fields,
            limit=max(limit, 0),
            token=query.get("continue", ""),
        )
        meta: dict[str, Any] = {"resourceVersion": str(page.rv)}
        if page.continue_token:
            meta["continue"] = page.continue_token
        if page.remaining is not None:
            meta["remainingItemCount"] = page.remaining
        if tables.wants_table(request.headers.get("Accept", "")):
            return web.json_response(tables.render(rtype, page.items, meta))
        head = json.dumps(
            {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": meta}
        )
        items = b",".join(stored.as_version(rtype.api_version) for stored in page.items)
        return web.Response(
            body=head[:-1].encode() + b',"items":[' + items + b"]}", content_type=JSON
        )

    async def _watch(
        self, request: web.Request, target: Target, cut: watch.Cut | None
    ) -> web.StreamResponse:
        labels, fields = _selectors(request, target)
        return await watch.serve(
            request,
            self.store,
            target.rtype,
            namespace=target.namespace,
            labels=labels,
            fields=fields,
            bookmark_interval=self.bookmark_interval,
            cut=cut,
        )


def _selectors(request: web.Request, target: Target) -> tuple[LabelSelector, FieldSelector]:
    labels = LabelSelector.parse(request.query.get("labelSelector", ""))
    fields = FieldSelector.parse(request.query.get("fieldSelector", ""), target.rtype.field_labels)
    return labels, fields


async def _read_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise errors.bad_request(f"the request body is not valid JSON: {error}") from error


def _name_in(body: Any) -> str | None:
    name = body.get("metadata", {}).get("name") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


async def _fail(fault: Fault, target: Target, name: str) -> None:
    rtype = target.rtype
    if fault.kind == "conflict":
        raise errors.stale(rtype.plural, rtype.group, name)
    if fault.kind == "hang":
        await asyncio.sleep(fault.seconds)
        raise errors.timeout()
    raise errors.internal_error(f"injected fault #{fault.id}")
