"""Creating, reading, listing, renaming and deleting servers.

``CreateOpts`` checks what Nova's request schema would reject (metadata keys, tags) before the
request is sent, because a create that fails on the wire costs a reconcile round trip and, worse,
hides the real problem behind a 400. Fields added by newer microversions are left out of the body
unless set. A create is never repeated on a lost answer: the transport raises ``OutcomeUnknown``
and the reconciler looks the server up by its tag.
"""

from __future__ import annotations

import base64
import builtins
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from instance_operator.openstack.compute.servers import urls
from instance_operator.openstack.compute.servers.results import CreatedServer, Server
from instance_operator.openstack.pagination import Pages, paginate
from instance_operator.openstack.resource import Accepted
from instance_operator.openstack.service import ServiceClient, accepted

#: Nova's schema for metadata keys; notably no ``/``.
METADATA_KEY = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")
#: Nova's tag rules: at most 60 characters, no ``,`` or ``/``, at most 50 tags.
TAG_FORBIDDEN = re.compile(r"[,/]")
TAG_MAX_LENGTH = 60
MAX_TAGS = 50
#: Nova's limit on the base64-encoded user data.
USER_DATA_MAX = 65535


def check_metadata(metadata: dict[str, str]) -> dict[str, str]:
    for key, value in metadata.items():
        if not METADATA_KEY.match(key):
            raise ValueError(f"metadata key {key!r} must match {METADATA_KEY.pattern}")
        if len(value) > 255:
            raise ValueError(f"metadata value of {key!r} is longer than 255 characters")
    return metadata


def check_tags(tags: list[str]) -> list[str]:
    if len(tags) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags, got {len(tags)}")
    for tag in tags:
        if not tag or len(tag) > TAG_MAX_LENGTH or TAG_FORBIDDEN.search(tag):
            raise ValueError(f"tag {tag!r}: 1 to {TAG_MAX_LENGTH} characters, no ',' or '/'")
    return tags


class NetworkSpec(BaseModel):
    """One NIC: a network (optionally with a fixed IP) or an existing port."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uuid: str | None = None
    port: str | None = None
    fixed_ip: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> NetworkSpec:
        if bool(self.uuid) == bool(self.port):
            raise ValueError("give exactly one of uuid and port")
        return self

    def to_body(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


class CreateOpts(BaseModel):
    """What ``POST /servers`` needs; Python names, turned into wire names by ``to_body``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    flavor_ref: str
    image_ref: str
    #: NICs, or ``"none"``/``"auto"`` (2.37+).
    networks: list[NetworkSpec] | Literal["none", "auto"] = "auto"
    key_name: str | None = None
    #: Security group names; Nova's default group when empty.
    security_groups: list[str] = Field(default_factory=list)
    availability_zone: str | None = None
    #: Raw user data; base64-encoded by ``to_body``.
    user_data: bytes | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    #: Tags set at create (2.52+), the handle to find the server after a lost answer.
    tags: list[str] = Field(default_factory=list)
    #: Scheduler hints, sent beside ``server`` as ``os:scheduler_hints``; ``{"group": id}``
    #: boots the server into that server group.
    scheduler_hints: dict[str, str] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, str]) -> dict[str, str]:
        return check_metadata(value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return check_tags(value)

    @field_validator("user_data", mode="before")
    @classmethod
    def _user_data(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.encode()
        if isinstance(value, bytes) and len(base64.b64encode(value)) > USER_DATA_MAX:
            raise ValueError(f"user_data is over {USER_DATA_MAX} bytes once base64-encoded")
        return value

    def to_body(self) -> dict[str, Any]:
        server: dict[str, Any] = {
            "name": self.name,
            "flavorRef": self.flavor_ref,
            "imageRef": self.image_ref,
            "networks": (
                self.networks
                if isinstance(self.networks, str)
                else [n.to_body() for n in self.networks]
            ),
        }
        if self.key_name is not None:
            server["key_name"] = self.key_name
        if self.security_groups:
            server["security_groups"] = [{"name": name} for name in self.security_groups]
        if self.availability_zone is not None:
            server["availability_zone"] = self.availability_zone
        if self.user_data is not None:
            server["user_data"] = base64.b64encode(self.user_data).decode("ascii")
        if self.metadata:
            server["metadata"] = dict(self.metadata)
        if self.tags:
            server["tags"] = list(self.tags)
        body: dict[str, Any] = {"server": server}
        if self.scheduler_hints:
            body["os:scheduler_hints"] = dict(self.scheduler_hints)
        return body


#: The characters a regular expression gives a meaning to, in Python's, MySQL's (ICU) and
#: PostgreSQL's dialects alike: Nova hands its ``name`` filter to the database as a pattern.
_REGEX_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")


def exact_name(name: str) -> str:
    """The ``name`` filter that matches ``name`` and nothing longer: anchored, its special
    characters escaped. The database may still compare case-insensitively (MySQL does): compare
    the results' names exactly."""
    return "^" + _REGEX_SPECIAL.sub(r"\\\1", name) + "$"


class ListOpts(BaseModel):
    """Filters of ``GET /servers/detail``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Servers having all these tags.
    tags: list[str] = Field(default_factory=list)
    #: Servers having any of these tags.
    tags_any: list[str] = Field(default_factory=list)
    #: A regular expression Nova matches against names (``^web-1$`` for an exact name).
    name: str | None = None
    status: str | None = None
    #: Servers changed since then, deleted ones included (status ``DELETED``); timezone-aware.
    changes_since: datetime | None = None
    #: Page size; Nova's own maximum (1000 by default) applies when unset.
    limit: int | None = Field(default=None, ge=1)

    @field_validator("changes_since")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("changes_since must be timezone-aware")
        return value

    def to_params(self) -> builtins.list[tuple[str, str]]:
        params: builtins.list[tuple[str, str]] = []
        if self.tags:
            params.append(("tags", ",".join(self.tags)))
        if self.tags_any:
            params.append(("tags-any", ",".join(self.tags_any)))
        if self.name is not None:
            params.append(("name", self.name))
        if self.status is not None:
            params.append(("status", self.status))
        if self.changes_since is not None:
            params.append(("changes-since", self.changes_since.isoformat()))
        if self.limit is not None:
            params.append(("limit", str(self.limit)))
        return params


def create(client: ServiceClient, opts: CreateOpts) -> CreatedServer:
    """``POST /servers``; raises ``OutcomeUnknown`` when the answer is lost after sending."""
    response = client.post(urls.servers(), opts.to_body(), ok=(202,))
    return CreatedServer.parse(response.object("server"), response.request_id)


def get(client: ServiceClient, server_id: str) -> Server:
    response = client.get(urls.server(server_id))
    return Server.parse(response.object("server"), response.request_id)


def list_detail(client: ServiceClient, opts: ListOpts | None = None) -> Pages[Server]:
    """Servers with details, fetched page by page as the caller iterates."""
    params = (opts or ListOpts()).to_params()
    return paginate(client, urls.detail(), key="servers", model=Server, params=params)


def update_name(client: ServiceClient, server_id: str, name: str) -> Server:
    response = client.put(urls.server(server_id), {"server": {"name": name}})
    return Server.parse(response.object("server"), response.request_id)


def delete(client: ServiceClient, server_id: str) -> Accepted:
    """``DELETE /servers/{id}``; a server already gone raises ``NotFound``."""
    return accepted(client.delete(urls.server(server_id)))
