"""Configuration of the simulator: what the cloud contains at start and how fast it moves.

Everything a test or a demo needs to vary is here, so one YAML file (or one pydantic object)
describes a whole cloud. IDs left out are derived from names, so a YAML file can refer to a
flavor or a network by a stable ID across runs without spelling it out.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from instance_operator.simulator.faults import FaultSettings

_NAMESPACE = uuid.UUID("0b6c4f0e-8f53-4d42-9a3e-51a1e0c0f00d")


def derived_uuid(kind: str, name: str) -> str:
    """A stable UUID for a seeded object, so IDs survive restarts of the simulator."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def derived_hex(kind: str, name: str) -> str:
    """Keystone IDs are 32 hex digits without dashes."""
    return uuid.uuid5(_NAMESPACE, f"{kind}:{name}").hex


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DomainSeed(_Model):
    id: str = "default"
    name: str = "Default"


class ProjectSeed(_Model):
    name: str
    id: str = ""
    domain_id: str = "default"

    @model_validator(mode="after")
    def _fill_id(self) -> ProjectSeed:
        self.id = self.id or derived_hex("project", self.name)
        return self


class UserSeed(_Model):
    name: str
    password: str
    #: Name of the project the user has roles on (the simulator keeps one project per user).
    project: str
    roles: list[str] = Field(default_factory=lambda: ["member", "reader"])
    id: str = ""
    domain_id: str = "default"

    @model_validator(mode="after")
    def _fill_id(self) -> UserSeed:
        self.id = self.id or derived_hex("user", self.name)
        return self


class ApplicationCredentialSeed(_Model):
    name: str
    secret: str
    #: Name of the owning user; the credential is scoped to that user's project and roles.
    user: str
    id: str = ""

    @model_validator(mode="after")
    def _fill_id(self) -> ApplicationCredentialSeed:
        self.id = self.id or derived_hex("application_credential", f"{self.user}/{self.name}")
        return self


class FlavorSeed(_Model):
    name: str
    vcpus: int
    ram: int
    disk: int
    ephemeral: int = 0
    swap: int = 0
    extra_specs: dict[str, str] = Field(default_factory=dict)
    description: str | None = None
    id: str = ""

    @model_validator(mode="after")
    def _fill_id(self) -> FlavorSeed:
        self.id = self.id or derived_uuid("flavor", self.name)
        return self


class ImageSeed(_Model):
    name: str
    disk_format: str = "qcow2"
    container_format: str = "bare"
    size: int = 21430272
    min_disk: int = 0
    min_ram: int = 0
    visibility: str = "public"
    #: Name of the owning project; defaults to the first configured project.
    owner: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)
    id: str = ""

    @model_validator(mode="after")
    def _fill_id(self) -> ImageSeed:
        self.id = self.id or derived_uuid("image", self.name)
        return self


class NetworkSeed(_Model):
    name: str
    cidr: str
    ipv6_cidr: str | None = None
    shared: bool = True
    #: Name of the owning project; defaults to the first configured project.
    project: str | None = None
    mtu: int = 1450
    id: str = ""
    subnet_id: str = ""
    ipv6_subnet_id: str = ""

    @model_validator(mode="after")
    def _fill_ids(self) -> NetworkSeed:
        self.id = self.id or derived_uuid("network", self.name)
        self.subnet_id = self.subnet_id or derived_uuid("subnet", f"{self.name}/v4")
        if self.ipv6_cidr:
            self.ipv6_subnet_id = self.ipv6_subnet_id or derived_uuid("subnet", f"{self.name}/v6")
        return self


class SecurityGroupSeed(_Model):
    name: str
    #: Name of the owning project. Every project also gets a ``default`` group, as in Neutron.
    project: str
    description: str = ""
    id: str = ""

    @model_validator(mode="after")
    def _fill_id(self) -> SecurityGroupSeed:
        self.id = self.id or derived_uuid("security_group", f"{self.project}/{self.name}")
        return self


class KeypairSeed(_Model):
    name: str
    #: Name of the owning user: Nova keypairs belong to users, not projects.
    user: str
    public_key: str = ""


class ServerGroupSeed(_Model):
    name: str
    #: Name of the owning project, and of its user (Nova records who made a group).
    project: str
    user: str
    policy: Literal["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"] = (
        "anti-affinity"
    )
    id: str = ""

    @model_validator(mode="after")
    def _fill_id(self) -> ServerGroupSeed:
        self.id = self.id or derived_uuid("server_group", f"{self.project}/{self.name}")
        return self


class Durations(_Model):
    """Seconds each asynchronous step takes. Zero means the step is already done when asked."""

    build: float = 1.0
    stop: float = 0.5
    start: float = 0.5
    reboot: float = 0.5
    hard_reboot: float = 1.0
    resize: float = 1.0
    confirm_resize: float = 0.2
    #: Snapshot image: queued -> saving after this long ...
    snapshot_queued: float = 0.5
    #: ... and saving -> active after this much more.
    snapshot_upload: float = 1.0
    #: How long a deleted server still answers GET with 200 and task_state ``deleting``.
    delete: float = 0.0


class Quota(_Model):
    """Per-project compute quota; -1 means unlimited, as in Nova's limits API."""

    instances: int = -1
    cores: int = -1
    ram: int = -1
    #: Server groups per project; Nova's default is 10.
    server_groups: int = 10
    #: Servers per group and user; Nova's default is 10.
    server_group_members: int = 10


class Microversions(_Model):
    min: str = "2.1"
    max: str = "2.104"


def _default_projects() -> list[ProjectSeed]:
    return [ProjectSeed(name="admin"), ProjectSeed(name="demo")]


def _default_users() -> list[UserSeed]:
    return [
        UserSeed(
            name="admin",
            password="admin",  # noqa: S106 - a simulator's well-known seed credential
            project="admin",
            roles=["admin", "member", "reader"],
        ),
        UserSeed(name="demo", password="demo", project="demo"),  # noqa: S106
    ]


def _default_app_credentials() -> list[ApplicationCredentialSeed]:
    return [ApplicationCredentialSeed(name="demo-app", secret="demo-app-secret", user="demo")]  # noqa: S106


def _default_flavors() -> list[FlavorSeed]:
    return [
        FlavorSeed(name="m1.nano", vcpus=1, ram=128, disk=1),
        FlavorSeed(name="m1.tiny", vcpus=1, ram=512, disk=1),
        FlavorSeed(name="m1.small", vcpus=1, ram=2048, disk=20),
        FlavorSeed(name="m1.medium", vcpus=2, ram=4096, disk=40),
    ]


def _default_images() -> list[ImageSeed]:
    return [
        ImageSeed(name="cirros-0.6.2-x86_64-disk", properties={"hw_rng_model": "virtio"}),
        ImageSeed(name="ubuntu-24.04", size=597278720, min_disk=3),
    ]


def _default_networks() -> list[NetworkSeed]:
    return [NetworkSeed(name="private", cidr="10.0.0.0/16", ipv6_cidr="fd00:10::/64")]


def _default_keypairs() -> list[KeypairSeed]:
    return [KeypairSeed(name="sim-key", user="admin"), KeypairSeed(name="sim-key", user="demo")]


class SimulatorConfig(_Model):
    """The whole simulated cloud. The first user is the one ``clouds_yaml()`` logs in as."""

    region: str = "RegionOne"
    token_ttl: float = 3600.0
    #: Put ``/{project_id}`` at the end of the compute catalog URL, as some clouds do.
    compute_url_with_project_id: bool = False
    microversions: Microversions = Field(default_factory=Microversions)
    durations: Durations = Field(default_factory=Durations)
    quota: Quota = Field(default_factory=Quota)
    availability_zones: list[str] = Field(default_factory=lambda: ["nova"])
    #: The hypervisors servers are scheduled onto (``OS-EXT-SRV-ATTR:host``); server groups'
    #: affinity policies decide among them.
    compute_hosts: list[str] = Field(
        default_factory=lambda: ["compute-0", "compute-1", "compute-2"], min_length=1
    )
    #: Seed for the dice of rate-based faults, so a chaos run can be replayed.
    random_seed: int | None = None
    domain: DomainSeed = Field(default_factory=DomainSeed)
    projects: list[ProjectSeed] = Field(default_factory=_default_projects)
    users: list[UserSeed] = Field(default_factory=_default_users)
    application_credentials: list[ApplicationCredentialSeed] = Field(
        default_factory=_default_app_credentials
    )
    flavors: list[FlavorSeed] = Field(default_factory=_default_flavors)
    images: list[ImageSeed] = Field(default_factory=_default_images)
    networks: list[NetworkSeed] = Field(default_factory=_default_networks)
    security_groups: list[SecurityGroupSeed] = Field(default_factory=list)
    keypairs: list[KeypairSeed] = Field(default_factory=_default_keypairs)
    server_groups: list[ServerGroupSeed] = Field(default_factory=list)
    faults: FaultSettings = Field(default_factory=FaultSettings)

    @model_validator(mode="after")
    def _check_references(self) -> SimulatorConfig:
        projects = {p.name for p in self.projects}
        users = {u.name for u in self.users}
        if not self.users:
            raise ValueError("at least one user is needed")
        # The default credential and keypairs belong to the default users; a config with its
        # own users keeps only those that still have an owner.
        if "application_credentials" not in self.model_fields_set:
            self.application_credentials = [
                a for a in self.application_credentials if a.user in users
            ]
        if "keypairs" not in self.model_fields_set:
            self.keypairs = [k for k in self.keypairs if k.user in users]
        problems = [
            *(f"user {u.name}: unknown project {u.project}" for u in self.users if u.project not in projects),
            *(f"application credential {a.name}: unknown user {a.user}" for a in self.application_credentials if a.user not in users),
            *(f"server group {g.name}: unknown project {g.project}" for g in self.server_groups if g.project not in projects),
            *(f"server group {g.name}: unknown user {g.user}" for g in self.server_groups if g.user not in users),
            *(f"keypair {k.name}: unknown user {k.user}" for k in self.keypairs if k.user not in users),
            *(f"security group {g.name}: unknown project {g.project}" for g in self.security_groups if g.project not in projects),
            *(f"image {i.name}: unknown owner {i.owner}" for i in self.images if i.owner is not None and i.owner not in projects),
            *(f"network {n.name}: unknown project {n.project}" for n in self.networks if n.project is not None and n.project not in projects),
            *(f"compute host {h}: listed twice" for h in sorted(set(self.compute_hosts)) if self.compute_hosts.count(h) > 1),
        ]  # fmt: skip
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def from_yaml(cls, source: str | Path) -> SimulatorConfig:
        """Load from a file (a ``Path``, or a ``str`` naming an existing file) or YAML text."""
        if isinstance(source, Path) or ("\n" not in source and Path(source).is_file()):
            text = Path(source).read_text()
        else:
            text = source
        data: Any = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{str(source)[:80]!r} is neither a file nor a YAML mapping")
        return cls.model_validate(data)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def project(self, name: str) -> ProjectSeed:
        return next(p for p in self.projects if p.name == name)

    def user(self, name: str) -> UserSeed:
        return next(u for u in self.users if u.name == name)


def fast_config(**overrides: Any) -> SimulatorConfig:
    """A config for tests: every asynchronous step takes 50 ms instead of about a second."""
    quick = 0.05
    durations = Durations(
        build=quick,
        stop=quick,
        start=quick,
        reboot=quick,
        hard_reboot=quick,
        resize=quick,
        confirm_resize=quick,
        snapshot_queued=quick,
        snapshot_upload=quick,
        delete=0.0,
    )
    return SimulatorConfig.model_validate({"durations": durations, **overrides})
