"""A kubeconfig for the emulated server: plain HTTP, no auth or a static bearer token."""

from __future__ import annotations

from typing import Any

import yaml

NAME = "kubeapi"


def render_kubeconfig(url: str, *, token: str | None = None, namespace: str = "default") -> str:
    user: dict[str, Any] = {"token": token} if token is not None else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": NAME, "cluster": {"server": url}}],
        "users": [{"name": NAME, "user": user}],
        "contexts": [
            {"name": NAME, "context": {"cluster": NAME, "user": NAME, "namespace": namespace}}
        ],
        "current-context": NAME,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)
