"""The route table: which service answers a path, its template for the counters, who may call it.

Compute routes are registered twice, with and without ``/{project_id}`` after ``/v2.1``,
because Nova accepts both; the counters fold both into one template.
"""

from __future__ import annotations

from dataclasses import dataclass

from instance_operator.simulator.http.api import Handler

#: Path prefix of each service on the simulator's one port (devstack's layout).
PREFIXES = {
    "/identity": "identity",
    "/compute": "compute",
    "/image": "image",
    "/networking": "network",
}


def service_of(path: str) -> str | None:
    for prefix, service in PREFIXES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return service
    return None


def template_of(path: str) -> str:
    """The path without its service prefix and project segment: ``/v2.1/servers/{server_id}``."""
    for prefix in PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :] or "/"
            break
    return path.replace("/{project_id}", "", 1)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    template: str
    handler: Handler
    #: Reachable without a token (version documents, token issue).
    public: bool
    #: Takes part in compute microversion negotiation.
    versioned: bool


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        public: bool = False,
        versioned: bool = True,
    ) -> None:
        service = service_of(path)
        assert service is not None, path
        self.routes.append(
            Route(method, path, service, template_of(path), handler, public, versioned)
        )

    def add_compute(
        self,
        method: str,
        path: str,
        handler: Handler,
        *,
        public: bool = False,
        versioned: bool = True,
    ) -> None:
        """A Nova v2.1 route, reachable with and without the project ID in the URL."""
        for prefix in ("/compute/v2.1", "/compute/v2.1/{project_id}"):
            self.add(method, prefix + path, handler, public=public, versioned=versioned)
