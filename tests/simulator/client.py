"""A deliberately plain OpenStack client for the simulator tests: requests and the catalog."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

TIMEOUT = 10.0


def password_body(user: str, password: str, project: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"name": "Default"}, "password": password}
                },
            }
        }
    }
    if project is not None:
        body["auth"]["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
    return body


class OpenStack:
    """One logged-in session: ``get``/``post``... take a service type and a path."""

    def __init__(self, auth_url: str, token: str, catalog: dict[str, Any]) -> None:
        self.auth_url = auth_url
        self.base_url = auth_url.removesuffix("/identity/v3")
        self.token = token
        self.session = requests.Session()
        self.endpoints = {
            entry["type"]: next(e["url"] for e in entry["endpoints"] if e["interface"] == "public")
            for entry in catalog["catalog"]
        }
        self.project_id: str = catalog["project"]["id"]
        self.user_id: str = catalog["user"]["id"]
        self.microversion = "2.90"

    @classmethod
    @contextmanager
    def login(
        cls, auth_url: str, user: str, password: str, project: str | None = None
    ) -> Iterator[OpenStack]:
        response = requests.post(
            f"{auth_url}/auth/tokens",
            json=password_body(user, password, project or user),
            timeout=TIMEOUT,
        )
        assert response.status_code == 201, response.text
        client = cls(auth_url, response.headers["X-Subject-Token"], response.json()["token"])
        try:
            yield client
        finally:
            client.session.close()

    def request(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        version: str | None = None,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> requests.Response:
        sent = {"X-Auth-Token": self.token}
        if service == "compute":
            sent["OpenStack-API-Version"] = f"compute {version or self.microversion}"
        sent.update(headers or {})
        url = path if path.startswith("http") else self.endpoints[service] + path
        return self.session.request(
            method, url, json=json, headers=sent, params=params, timeout=TIMEOUT
        )

    def get(self, service: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", service, path, **kwargs)

    def post(self, service: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", service, path, **kwargs)

    def put(self, service: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", service, path, **kwargs)

    def delete(self, service: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", service, path, **kwargs)

    # ---- conveniences over the compute API ------------------------------------------------

    def flavor_id(self, name: str) -> str:
        flavors = self.get("compute", "/flavors").json()["flavors"]
        return str(next(f["id"] for f in flavors if f["name"] == name))

    def image_id(self, name: str = "cirros-0.6.2-x86_64-disk") -> str:
        images = self.get("image", "/v2/images", params={"name": name}).json()["images"]
        return str(images[0]["id"])

    def create_server(self, name: str = "web-1", **fields: Any) -> dict[str, Any]:
        body = {"name": name, "networks": "none", **fields}
        if "flavorRef" not in body:
            body["flavorRef"] = self.flavor_id("m1.tiny")
        if "imageRef" not in body:
            body["imageRef"] = self.image_id()
        response = self.post("compute", "/servers", json={"server": body})
        assert response.status_code == 202, response.text
        server: dict[str, Any] = response.json()["server"]
        return server

    def server(self, server_id: str, **kwargs: Any) -> dict[str, Any]:
        response = self.get("compute", f"/servers/{server_id}", **kwargs)
        assert response.status_code == 200, response.text
        server: dict[str, Any] = response.json()["server"]
        return server

    def action(self, server_id: str, body: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.post("compute", f"/servers/{server_id}/action", json=body, **kwargs)

    def wait_for(self, server_id: str, status: str, timeout: float = 5.0) -> dict[str, Any]:
        """Poll until the server has ``status`` and no task; fails on ERROR."""
        deadline = time.monotonic() + timeout
        while True:
            server = self.server(server_id)
            if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
                return server
            assert server["status"] != "ERROR" or status == "ERROR", server.get("fault")
            assert time.monotonic() < deadline, (
                f"still {server['status']}/{server['OS-EXT-STS:task_state']}"
            )
            time.sleep(0.02)

    def wait_gone(self, server_id: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.get("compute", f"/servers/{server_id}").status_code != 404:
            assert time.monotonic() < deadline, "server still there"
            time.sleep(0.02)
