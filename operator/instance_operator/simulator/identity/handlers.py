"""Keystone's routes: the version documents and ``POST /v3/auth/tokens``."""

from __future__ import annotations

from typing import Any

from instance_operator.simulator.config import SimulatorConfig, derived_hex
from instance_operator.simulator.faults import Faults
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, ok
from instance_operator.simulator.http.routing import Router
from instance_operator.simulator.identity.catalog import catalog
from instance_operator.simulator.identity.tokens import Identity, Token
from instance_operator.simulator.timefmt import isotime_micro_z


def _version(origin: str) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{origin}/identity/v3/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


def token_body(token: Token, config: SimulatorConfig, origin: str) -> dict[str, Any]:
    domain = {"id": config.domain.id, "name": config.domain.name}
    body: dict[str, Any] = {
        "methods": list(token.methods),
        "user": {
            "domain": domain,
            "id": token.user.id,
            "name": token.user.name,
            "password_expires_at": None,
        },
        "audit_ids": [token.audit_id],
        "expires_at": isotime_micro_z(token.expires_at),
        "issued_at": isotime_micro_z(token.issued_at),
    }
    if token.project is not None:
        body["project"] = {"domain": domain, "id": token.project.id, "name": token.project.name}
        body["is_domain"] = False
        body["roles"] = [{"id": derived_hex("role", role), "name": role} for role in token.roles]
        body["catalog"] = catalog(
            origin, config.region, token.project.id, config.compute_url_with_project_id
        )
    if token.app_credential is not None:
        body["application_credential"] = {
            "id": token.app_credential.id,
            "name": token.app_credential.name,
            "restricted": True,
        }
    return {"token": body}


class IdentityApi:
    def __init__(self, config: SimulatorConfig, identity: Identity, faults: Faults) -> None:
        self._config = config
        self._identity = identity
        self._faults = faults

    def register(self, router: Router) -> None:
        for path in ("/identity", "/identity/"):
            router.add("GET", path, self.versions, public=True)
        for path in ("/identity/v3", "/identity/v3/"):
            router.add("GET", path, self.version, public=True)
        router.add("POST", "/identity/v3/auth/tokens", self.issue, public=True)

    def versions(self, req: ApiRequest) -> ApiResponse:
        return ok({"versions": {"values": [_version(req.origin)]}}, status=300)

    def version(self, req: ApiRequest) -> ApiResponse:
        return ok({"version": _version(req.origin)})

    def issue(self, req: ApiRequest) -> ApiResponse:
        ttl = self._faults.token_ttl(self._config.token_ttl)
        token = self._identity.authenticate(req.body, req.now, ttl)
        return ok(
            token_body(token, self._config, req.origin),
            status=201,
            headers={"X-Subject-Token": token.id},
        )
