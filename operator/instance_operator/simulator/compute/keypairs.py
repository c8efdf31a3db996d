"""Nova keypairs: seeded per user, listed and shown (with paging from 2.35) as Nova does.

Seeded keys are well-formed ``ssh-ed25519`` public keys derived from the key's name, so their
fingerprints are stable and real tools can parse them.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from typing import Any

from instance_operator.simulator.compute.paging import next_links, page_limit
from instance_operator.simulator.compute.views import Links
from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, ok
from instance_operator.simulator.http.routing import Router
from instance_operator.simulator.timefmt import isotime_micro


@dataclass(frozen=True)
class Keypair:
    id: int
    name: str
    user_id: str
    public_key: str
    fingerprint: str
    created: float


def _blob(parts: list[bytes]) -> bytes:
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def derived_public_key(user: str, name: str) -> str:
    raw = hashlib.sha256(f"{user}/{name}".encode()).digest()
    blob = _blob([b"ssh-ed25519", raw])
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {name}@simulator"


def fingerprint(public_key: str) -> str:
    blob = base64.b64decode(public_key.split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def seeded_keypairs(config: SimulatorConfig, now: float) -> list[Keypair]:
    keys = []
    for index, seed in enumerate(config.keypairs, start=1):
        public = seed.public_key or derived_public_key(seed.user, seed.name)
        user_id = config.user(seed.user).id
        keys.append(Keypair(index, seed.name, user_id, public, fingerprint(public), now))
    return keys


class KeypairApi:
    def __init__(self, keypairs: list[Keypair]) -> None:
        self._keypairs = keypairs

    def register(self, router: Router) -> None:
        router.add_compute("GET", "/os-keypairs", self.index)
        router.add_compute("GET", "/os-keypairs/{name}", self.show)

    def _owned(self, req: ApiRequest) -> list[Keypair]:
        user_id = req.auth.user.id
        if req.at_least(2, 10) and req.auth.is_admin:
            user_id = req.query.get("user_id", user_id)
        return sorted((k for k in self._keypairs if k.user_id == user_id), key=lambda k: k.name)

    def _brief(self, key: Keypair, req: ApiRequest) -> dict[str, Any]:
        view: dict[str, Any] = {"fingerprint": key.fingerprint, "name": key.name}
        if req.at_least(2, 2):
            view["type"] = "ssh"
        view["public_key"] = key.public_key
        return view

    def index(self, req: ApiRequest) -> ApiResponse:
        keys = self._owned(req)
        body: dict[str, Any] = {}
        if req.at_least(2, 35):
            marker = req.query.get("marker")
            if marker is not None:
                names = [k.name for k in keys]
                if marker not in names:
                    raise ApiError(400, f"Marker {marker} could not be found.")
                keys = keys[names.index(marker) + 1 :]
            limit = page_limit(req)
            keys = keys[:limit]
            last = keys[-1].name if keys else None
            links = next_links(req, f"{Links.of(req).api}/os-keypairs", keys, last, limit)
            if links:
                body["keypairs_links"] = links
        body = {"keypairs": [{"keypair": self._brief(k, req)} for k in keys], **body}
        return ok(body)

    def show(self, req: ApiRequest) -> ApiResponse:
        name = req.params["name"]
        user_id = req.auth.user.id
        for key in self._owned(req):
            if key.name == name:
                view = self._brief(key, req)
                view.update(
                    user_id=key.user_id,
                    deleted=False,
                    created_at=isotime_micro(key.created),
                    updated_at=None,
                    deleted_at=None,
                    id=key.id,
                )
                return ok({"keypair": view})
        raise ApiError(404, f"Keypair {name} not found for user {user_id}")
