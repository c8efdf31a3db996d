"""The HTTP endpoints of RBAC: the TokenRequest subresource, and the audit under ``/_kubeapi/``.

``POST /api/v1/namespaces/NS/serviceaccounts/NAME/token`` answers a ``TokenRequest`` whose
``status.token`` authenticates as that ServiceAccount (what ``kubectl create token`` asks for).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from aiohttp import web

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.control import PREFIX
from instance_operator.kubeapi.rbac.audit import Audit
from instance_operator.kubeapi.rbac.tokens import Tokens

TOKEN_PATH = "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"  # noqa: S105 (a URL)
AUDIT_PATH = f"{PREFIX}/audit"
#: What a TokenRequest without ``expirationSeconds`` gets, as on a real server.
_DEFAULT_EXPIRATION = 3600
_MIN_EXPIRATION = 600


def routes(tokens: Tokens, audit: Audit) -> list[web.RouteDef]:
    async def request_token(request: web.Request) -> web.Response:
        namespace, name = request.match_info["namespace"], request.match_info["name"]
        spec = _spec(await request.read(), name)
        token = tokens.issue(namespace, name)
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
            seconds=spec["expirationSeconds"]
        )
        body = {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
            "spec": spec,
            "status": {
                "token": token,
                "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        }
        return web.json_response(body, status=201)

    async def get_audit(_: web.Request) -> web.Response:
        return web.json_response({"decisions": audit.decisions()})

    async def reset_audit(_: web.Request) -> web.Response:
        audit.reset()
        return web.json_response({})

    return [
        web.post(TOKEN_PATH, request_token),
        web.get(AUDIT_PATH, get_audit),
        web.delete(AUDIT_PATH, reset_audit),
    ]


def _spec(raw: bytes, name: str) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw else {}
    except ValueError as error:
        raise errors.bad_request(f"the request body is not valid JSON: {error}") from error
    spec = dict(body.get("spec") or {}) if isinstance(body, dict) else {}
    seconds = spec.get("expirationSeconds") or _DEFAULT_EXPIRATION
    if not isinstance(seconds, int) or seconds < _MIN_EXPIRATION:
        raise errors.field_invalid(
            "TokenRequest",
            "authentication.k8s.io",
            name,
            "spec.expirationSeconds",
            f"Invalid value: {seconds}: may not specify a duration less than 10 minutes",
        )
    spec["expirationSeconds"] = seconds
    spec.setdefault("audiences", [])
    spec.setdefault("boundObjectRef", None)
    return spec
