"""The authentication and authorization filter of an API server with ``authorization`` on.

In the API server's order: authenticate the bearer token (401 if it names nobody), authorize the
request with RBAC (403 with the real wording), and, for writes of roles and bindings, prevent
escalation (403 as the registry words it). Every decision is audited.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from aiohttp import web

from instance_operator.kubeapi import errors, patches
from instance_operator.kubeapi.rbac import escalation, requestinfo
from instance_operator.kubeapi.rbac.audit import Audit
from instance_operator.kubeapi.rbac.authorizer import GROUP, Authorizer, forbidden
from instance_operator.kubeapi.rbac.requestinfo import Attributes, User
from instance_operator.kubeapi.rbac.tokens import Tokens
from instance_operator.kubeapi.resources import BUILTINS
from instance_operator.kubeapi.store import Store

#: Where the authenticated user is kept on the request, for admission (``request.userInfo``).
USER_KEY = web.RequestKey("kubeapi.user", User)
_RBAC_TYPES = {r.plural: r for r in BUILTINS if r.group == GROUP}


class Access:
    def __init__(self, store: Store, admin_token: str) -> None:
        self.store = store
        self.tokens = Tokens(store, admin_token)
        self.authorizer = Authorizer(store)
        self.audit = Audit()

    async def check(self, request: web.Request) -> None:
        """Raise the 401 or 403 the API server would answer ``request`` with."""
        user = self.tokens.authenticate(request.headers.get("Authorization"))
        request[USER_KEY] = user
        attributes = requestinfo.parse(user, request.method, request.path, request.query)
        allowed, reason = self.authorizer.allowed(attributes)
        self.audit.record(attributes, allowed)
        if not allowed:
            raise forbidden(attributes, reason)
        if escalation.applies(attributes):
            written = await self._written(request, attributes)
            if written is not None:
                escalation.confirm(self.authorizer, attributes, written)

    async def _written(self, request: web.Request, attributes: Attributes) -> dict[str, Any] | None:
        """The role or binding as the write would store it; ``None`` when the write will fail
        anyway (a bad body, a missing object), which the resource handler then reports."""
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            return None
        if attributes.verb in ("create", "update"):
            return body if isinstance(body, dict) else None
        rtype = _RBAC_TYPES[attributes.resource]
        current = self.store.lookup(rtype, attributes.namespace or None, attributes.name)
        if current is None:
            return None
        try:
            return patches.apply(
                request.headers.get("Content-Type", ""), copy.deepcopy(current.body), body
            )
        except errors.StatusError:
            return None
