"""Glance's state: seeded images plus the snapshots Nova's ``createImage`` makes.

A snapshot goes queued -> saving -> active on the configured durations, through the shared
timeline, and carries the properties Nova sets (``image_type: snapshot``, ``instance_uuid``,
``base_image_ref`` ...), so a client can find the snapshots of a server as it would in a real
cloud.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from instance_operator.simulator.config import SimulatorConfig
from instance_operator.simulator.timeline import Timeline


@dataclass
class Image:
    id: str
    name: str
    status: str
    visibility: str
    owner: str
    created: float
    updated: float
    disk_format: str | None = None
    container_format: str | None = None
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    os_hidden: bool = False
    tags: list[str] = field(default_factory=list)
    #: Extra properties; Glance shows them as top-level keys of the image.
    properties: dict[str, str] = field(default_factory=dict)

    def finish_upload(self, size: int, at: float) -> None:
        """Become active with a size and hashes, as after a completed upload."""
        content = f"{self.id}:{size}".encode()
        self.size = size
        self.virtual_size = size
        self.checksum = hashlib.md5(content, usedforsecurity=False).hexdigest()
        self.os_hash_algo = "sha512"
        self.os_hash_value = hashlib.sha512(content).hexdigest()
        self.status = "active"
        self.updated = at


@dataclass(frozen=True)
class SnapshotSource:
    """What Nova tells Glance about the server it snapshots."""

    server_id: str
    base_image: Image
    user_id: str
    user_name: str
    project_id: str
    project_name: str
    roles: tuple[str, ...]
    min_disk: int


class ImageStore:
    def __init__(self, config: SimulatorConfig, timeline: Timeline, now: float) -> None:
        self._config = config
        self._timeline = timeline
        self.images: dict[str, Image] = {}
        self.clear(now)

    def clear(self, now: float) -> None:
        self.images.clear()
        for seed in self._config.images:
            owner = self._config.project(seed.owner or self._config.projects[0].name).id
            image = Image(
                id=seed.id,
                name=seed.name,
                status="queued",
                visibility=seed.visibility,
                owner=owner,
                created=now,
                updated=now,
                disk_format=seed.disk_format,
                container_format=seed.container_format,
                min_disk=seed.min_disk,
                min_ram=seed.min_ram,
                properties=dict(seed.properties),
            )
            image.finish_upload(seed.size, now)
            self.images[image.id] = image

    def visible(self, image: Image, project_id: str, is_admin: bool) -> bool:
        return is_admin or image.visibility in ("public", "community") or image.owner == project_id

    def snapshot(
        self,
        name: str,
        source: SnapshotSource,
        metadata: dict[str, str],
        *,
        now: float,
        queued_for: float,
        upload_for: float,
    ) -> Image:
        base = source.base_image
        image = Image(
            id=str(uuid.uuid4()),
            name=name,
            status="queued",
            visibility="private",
            owner=source.project_id,
            created=now,
            updated=now,
            min_disk=max(source.min_disk, base.min_disk),
            min_ram=base.min_ram,
            properties={
                **base.properties,
                "base_image_ref": base.id,
                "owner_user_name": source.user_name,
                "owner_project_name": source.project_name,
                "boot_roles": ",".join(source.roles),
                "instance_uuid": source.server_id,
                "user_id": source.user_id,
                "image_type": "snapshot",
                **metadata,
            },
        )
        self.images[image.id] = image

        def saving(at: float) -> None:
            image.status = "saving"
            image.disk_format = base.disk_format
            image.container_format = base.container_format
            image.updated = at

        def active(at: float) -> None:
            image.finish_upload(base.size or 0, at)

        self._timeline.at(now + queued_for, saving)
        self._timeline.at(now + queued_for + upload_for, active)
        return image
