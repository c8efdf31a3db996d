"""Glance's routes: version documents, image list (filters, paging) and image show.

Glance pages 25 images by default and links the next page relative to its endpoint
(``/v2/images?...``); its errors are HTML unless the client asks for JSON.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from instance_operator.simulator.errors import ApiError
from instance_operator.simulator.http.api import ApiRequest, ApiResponse, ok
from instance_operator.simulator.http.routing import Router
from instance_operator.simulator.image.store import Image, ImageStore
from instance_operator.simulator.timefmt import isotime

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
_NOT_FILTERS = {"limit", "marker", "sort_key", "sort_dir", "sort", "member_status"}


def image_view(image: Image) -> dict[str, Any]:
    view: dict[str, Any] = {
        "status": image.status,
        "name": image.name,
        "tags": list(image.tags),
        "container_format": image.container_format,
        "created_at": isotime(image.created),
        "disk_format": image.disk_format,
        "updated_at": isotime(image.updated),
        "visibility": image.visibility,
        "self": f"/v2/images/{image.id}",
        "min_disk": image.min_disk,
        "protected": image.protected,
        "id": image.id,
        "file": f"/v2/images/{image.id}/file",
        "checksum": image.checksum,
        "os_hash_algo": image.os_hash_algo,
        "os_hash_value": image.os_hash_value,
        "os_hidden": image.os_hidden,
        "owner": image.owner,
        "size": image.size,
        "min_ram": image.min_ram,
        "schema": "/v2/schemas/image",
        "virtual_size": image.virtual_size,
        **image.properties,
    }
    if image.status == "active":
        view["stores"] = "fs"
    return view


def _limit(req: ApiRequest) -> int:
    raw = req.query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "limit param must be an integer") from None
    if value < 0:
        raise ApiError(400, "limit param must be positive")
    return min(value, MAX_LIMIT)


class ImageApi:
    def __init__(self, images: ImageStore) -> None:
        self._images = images

    def register(self, router: Router) -> None:
        for path in ("/image", "/image/"):
            router.add("GET", path, self.versions, public=True)
        router.add("GET", "/image/versions", self.version_list, public=True)
        router.add("GET", "/image/v2/images", self.index)
        router.add("GET", "/image/v2/images/{image_id}", self.show)

    def _versions(self, req: ApiRequest) -> dict[str, Any]:
        link = [{"rel": "self", "href": f"{req.origin}/image/v2/"}]
        return {
            "versions": [
                {"id": "v2.17", "status": "CURRENT", "links": link},
                {"id": "v2.0", "status": "SUPPORTED", "links": link},
            ]
        }

    def versions(self, req: ApiRequest) -> ApiResponse:
        return ok(self._versions(req), status=300)

    def version_list(self, req: ApiRequest) -> ApiResponse:
        return ok(self._versions(req))

    def _visible(self, req: ApiRequest) -> list[Image]:
        token = req.auth
        images = [
            i
            for i in reversed(self._images.images.values())
            if self._images.visible(i, token.project_id, token.is_admin)
        ]
        return sorted(images, key=lambda i: i.created, reverse=True)

    def index(self, req: ApiRequest) -> ApiResponse:
        images = self._visible(req)
        hidden = req.query.get("os_hidden", "false").lower() == "true"
        images = [i for i in images if i.os_hidden == hidden]
        for key in set(req.query) - _NOT_FILTERS - {"os_hidden"}:
            wanted = req.query.getall(key)
            if key == "tag":
                images = [i for i in images if set(wanted) <= set(i.tags)]
                continue
            images = [i for i in images if str(image_view(i).get(key)) in wanted]
        marker = req.query.get("marker")
        if marker is not None:
            ids = [i.id for i in images]
            if marker not in ids:
                raise ApiError(400, f"Marker {marker} could not be found.")
            images = images[ids.index(marker) + 1 :]
        limit = _limit(req)
        page = images[:limit]
        params = [(k, v) for k, v in req.query.items() if k != "marker"]
        body: dict[str, Any] = {
            "images": [image_view(i) for i in page],
            "schema": "/v2/schemas/images",
            "first": f"/v2/images?{urlencode(params)}" if params else "/v2/images",
        }
        if page and len(page) == limit:
            body["next"] = f"/v2/images?{urlencode([*params, ('marker', page[-1].id)])}"
        return ok(body)

    def show(self, req: ApiRequest) -> ApiResponse:
        image_id = req.params["image_id"]
        image = self._images.images.get(image_id)
        token = req.auth
        if image is None or not self._images.visible(image, token.project_id, token.is_admin):
            raise ApiError(404, f"No image found with ID {image_id}")
        return ok(image_view(image))
