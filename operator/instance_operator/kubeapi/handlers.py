"""The resource endpoints: count, inject faults, then run the verb against the store."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from instance_operator.kubeapi import errors, patches, policies, routing, tables, watch
from instance_operator.kubeapi.apply import options as write_options
from instance_operator.kubeapi.apply.options import WriteOptions
from instance_operator.kubeapi.collection import Stored
from instance_operator.kubeapi.counters import Counters
from instance_operator.kubeapi.faults import Fault, Faults
from instance_operator.kubeapi.fieldvalidation import FieldValidation
from instance_operator.kubeapi.rbac.access import USER_KEY
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
        body = await _read_body(request) if verb in WRITE_VERBS else None
        options = _write_options(verb, request, body) if verb in WRITE_VERBS else None
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
            validation = FieldValidation.from_request(
                request.query, verb, await request.read(), request.content_type
            )
            response, stored = self._run(
                verb, target, request, body, options=options, validation=validation
            )
            validation.add_headers(response)
            if verb == "create":
                name = stored.body["metadata"]["name"]
            return response
        finally:
            if verb in WRITE_VERBS and name and not (options and options.dry_run):
                self.counters.count_write(rtype.group, rtype.plural, target.namespace or "", name)

    def _run(
        self,
        verb: str,
        target: Target,
        request: web.Request,
        body: Any,
        *,
        options: WriteOptions | None,
        validation: FieldValidation,
    ) -> tuple[web.Response, Stored]:
        store, rtype, namespace, name = self.store, target.rtype, target.namespace, target.name
        av = rtype.api_version
        if verb == "get":
            assert name is not None
            stored = store.get(rtype, namespace, name)
            if tables.wants_table(request.headers.get("Accept", "")):
                return web.json_response(tables.render(rtype, [stored], {})), stored
            return web.Response(body=stored.as_version(av), content_type=JSON), stored
        assert options is not None
        manager, dry_run = options.manager, options.dry_run
        if verb == "create":
            stored = store.create(
                rtype, namespace, body, validation=validation, manager=manager, dry_run=dry_run
            )
            return web.Response(status=201, body=stored.as_version(av), content_type=JSON), stored
        assert name is not None
        if verb == "update":
            stored = store.update(
                rtype,
                namespace,
                name,
                body,
                subresource=target.subresource,
                validation=validation,
                manager=manager,
                dry_run=dry_run,
            )
        elif verb == "patch" and options.apply:
            stored, created = store.apply(
                rtype,
                namespace,
                name,
                body,
                manager=manager,
                force=options.force,
                subresource=target.subresource,
                validation=validation,
                dry_run=dry_run,
            )
            status = 201 if created else 200
            return web.Response(
                status=status, body=stored.as_version(av), content_type=JSON
            ), stored
        elif verb == "patch":
            stored = store.patch(
                rtype,
                namespace,
                name,
                content_type=request.headers.get("Content-Type", ""),
                patch=body,
                subresource=target.subresource,
                validation=validation,
                manager=manager,
                dry_run=dry_run,
            )
        else:
            delete_options = body if isinstance(body, dict) else {}
            warnings: list[str] = []
            stored, gone = store.delete(
                rtype,
                namespace,
                name,
                delete_options,
                dry_run=dry_run,
                requester=_requester(request),
                warnings=warnings,
            )
            validation.warnings += warnings
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


def _requester(request: web.Request) -> policies.Requester:
    """Who the authentication filter found (``rbac.access``); anonymous without authorization."""
    user = request.get(USER_KEY)
    if user is None:
        return policies.ANONYMOUS
    return policies.Requester(user.name, tuple(user.groups))


def _selectors(request: web.Request, target: Target) -> tuple[LabelSelector, FieldSelector]:
    labels = LabelSelector.parse(request.query.get("labelSelector", ""))
    fields = FieldSelector.parse(request.query.get("fieldSelector", ""), target.rtype.field_labels)
    return labels, fields


def _write_options(verb: str, request: web.Request, body: Any) -> WriteOptions:
    dry_run = request.query.getall("dryRun", [])
    if verb == "delete":
        dry_run = [*dry_run, *write_options.dry_run_in_body(body)]
    return write_options.parse(
        verb,
        request.query,
        dry_run,
        user_agent=request.headers.get("User-Agent", ""),
        content_type=request.headers.get("Content-Type", ""),
    )


async def _read_body(request: web.Request) -> Any:
    raw = await request.read()
    if request.method == "PATCH" and write_options.is_apply(
        request.headers.get("Content-Type", "")
    ):
        return patches.decode_apply(raw)
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
