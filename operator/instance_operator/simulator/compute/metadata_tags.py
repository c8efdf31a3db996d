"""Server metadata (``/metadata``) and tags (``/tags``, from 2.26).

Both are refused with 409 while a server builds or is being resized, as Nova does, which is a
trap for clients that try to label a server right after creating it.
"""

from __future__ import annotations

from instance_operator.simulator.compute import schema
from instance_operator.simulator.compute.model import ACTIVE, STOPPED, Server
from instance_operator.simulator.compute.parts import ComputeParts
from instance_operator.simulator.errors import ApiError, nova_invalid_state, nova_validation
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, empty, ok
from instance_operator.simulator.http.routing import Router

_MAX_TAGS = 50


def _writable(server: Server, action: str) -> None:
    if server.vm_state not in (ACTIVE, STOPPED):
        raise nova_invalid_state(action, server.id, "vm_state", server.vm_state)


class MetadataTagsApi:
    def __init__(self, parts: ComputeParts) -> None:
        self._parts = parts

    def register(self, router: Router) -> None:
        add = router.add_compute
        add("GET", "/servers/{server_id}/metadata", self.metadata_index)
        add("PUT", "/servers/{server_id}/metadata", self.metadata_replace)
        add("POST", "/servers/{server_id}/metadata", self.metadata_merge)
        add("GET", "/servers/{server_id}/metadata/{key}", self.metadata_show)
        add("PUT", "/servers/{server_id}/metadata/{key}", self.metadata_set)
        add("DELETE", "/servers/{server_id}/metadata/{key}", self.metadata_delete)
        add("GET", "/servers/{server_id}/tags", self.tags_index)
        add("PUT", "/servers/{server_id}/tags", self.tags_replace)
        add("DELETE", "/servers/{server_id}/tags", self.tags_clear)
        add("GET", "/servers/{server_id}/tags/{tag}", self.tag_check)
        add("PUT", "/servers/{server_id}/tags/{tag}", self.tag_add)
        add("DELETE", "/servers/{server_id}/tags/{tag}", self.tag_delete)

    # ---- metadata -----------------------------------------------------------------------

    def metadata_index(self, req: ApiRequest) -> ApiResponse:
        return ok({"metadata": dict(self._parts.server(req).metadata)})

    def _write_all(self, req: ApiRequest, replace: bool) -> ApiResponse:
        server = self._parts.server(req)
        values = schema.metadata("metadata", schema.mapping(req.body, "metadata"))
        _writable(server, "update metadata")
        server.metadata = values if replace else {**server.metadata, **values}
        return ok({"metadata": dict(server.metadata)})

    def metadata_replace(self, req: ApiRequest) -> ApiResponse:
        return self._write_all(req, replace=True)

    def metadata_merge(self, req: ApiRequest) -> ApiResponse:
        return self._write_all(req, replace=False)

    def metadata_show(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        key = req.params["key"]
        if key not in server.metadata:
            raise ApiError(404, "Metadata item was not found")
        return ok({"meta": {key: server.metadata[key]}})

    def metadata_set(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        item = schema.metadata("meta", schema.mapping(req.body, "meta"))
        if len(item) > 1:
            raise nova_validation("meta", item, f"{item!r} has too many properties")
        key = req.params["key"]
        if key not in item:
            raise ApiError(400, "Request body and URI mismatch")
        _writable(server, "update metadata")
        server.metadata[key] = item[key]
        return ok({"meta": item})

    def metadata_delete(self, req: ApiRequest) -> ApiResponse:
        server = self._parts.server(req)
        key = req.params["key"]
        if key not in server.metadata:
            raise ApiError(404, "Metadata item was not found")
        _writable(server, "delete metadata")
        del server.metadata[key]
        return empty(204)

    # ---- tags ---------------------------------------------------------------------------

    def _tagged(self, req: ApiRequest) -> Server:
        if not req.at_least(2, 26):
            raise ApiError(404, "The resource could not be found.")
        return self._parts.server(req)

    def tags_index(self, req: ApiRequest) -> ApiResponse:
        return ok({"tags": list(self._tagged(req).tags)})

    def tags_replace(self, req: ApiRequest) -> ApiResponse:
        server = self._tagged(req)
        if not isinstance(req.body, dict) or "tags" not in req.body:
            raise ApiError(400, "'tags' is a required property")
        tags = schema.tags("tags", req.body["tags"])
        _writable(server, "update tags")
        server.tags = tags
        return ok({"tags": list(tags)})

    def tags_clear(self, req: ApiRequest) -> ApiResponse:
        server = self._tagged(req)
        _writable(server, "delete tags")
        server.tags = []
        return empty(204)

    def tag_check(self, req: ApiRequest) -> ApiResponse:
        server = self._tagged(req)
        tag = req.params["tag"]
        if tag not in server.tags:
            raise ApiError(404, f"Server {server.id} has no tag '{tag}'")
        return empty(204)

    def tag_add(self, req: ApiRequest) -> ApiResponse:
        server = self._tagged(req)
        tag = req.params["tag"]
        if not tag or len(tag) > 60 or not schema.TAG.match(tag):
            raise ApiError(
                400,
                f"Tag '{tag}' is invalid. It must be a non empty string without characters '/' and "
                f"','. Validation error message: '{tag}' does not match '{schema.TAG.pattern}'",
            )
        _writable(server, "update tag")
        if tag in server.tags:
            return empty(204)
        if len(server.tags) >= _MAX_TAGS:
            raise ApiError(400, f"The number of tags exceeded the per-server limit {_MAX_TAGS}")
        server.tags = sorted([*server.tags, tag])
        location = f"{req.origin}/compute/v2.1/servers/{server.id}/tags/{tag}"
        return empty(201, headers={"Location": location})

    def tag_delete(self, req: ApiRequest) -> ApiResponse:
        server = self._tagged(req)
        tag = req.params["tag"]
        _writable(server, "delete tag")
        if tag not in server.tags:
            # Nova's delete words it as its InstanceTagNotFound; only the check says "Server".
            raise ApiError(404, f"Instance {server.id} has no tag '{tag}'")
        server.tags = [t for t in server.tags if t != tag]
        return empty(204)
