"""The operator's settings: what ``instance-operator run`` takes on its command line.

Every knob a platform team may need to turn for its cloud (poll cadence, the OpenStack rate limit,
retry pacing) is a field here, with a default that suits a small cloud. The command-line flags
are made from the fields (``poll_interval`` is ``--poll-interval``, its description the help), so a
setting is declared once; the Helm chart passes them as flags.
"""

from __future__ import annotations

import argparse
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator


class OperatorConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    namespaces: tuple[str, ...] = Field((), description="namespaces to watch; none: all")
    standalone: bool = Field(False, description="no peering: assume this is the only replica")
    peering_name: str = Field("instance-operator", description="the kopf peering object's name")
    peering_lifetime: int = Field(
        60,
        ge=10,
        description="seconds before a standby replica takes over from one that stopped answering",
    )
    role_binding: str | None = Field(
        None,
        description="the RoleBinding that grants the operator its rights in each watched namespace;"
        " the operator keeps it (a finalizer) while Instances exist there, so that deleting the"
        " namespace cannot revoke its rights before their servers are deleted",
    )
    liveness: str | None = Field(
        None,
        description="serve kopf's liveness probe at this URL, e.g. http://0.0.0.0:8080/healthz",
    )
    workers: int = Field(8, ge=1, le=256, description="threads that talk to OpenStack")
    poll_interval: float = Field(
        30.0, gt=0, description="seconds between change polls of a cloud while servers are settled"
    )
    fast_poll_interval: float = Field(
        2.0, gt=0, description="seconds between change polls while a server is in transition"
    )
    resync_interval: float = Field(
        600.0, gt=0, description="seconds between full listings of a cloud's servers"
    )
    secret_poll_interval: float = Field(
        15.0, gt=0, description="seconds between reads of each credentials Secret in use"
    )
    user_error_retry: float = Field(
        300.0,
        gt=0,
        description="seconds before retrying an Instance with a user error (bad flavor, quota)",
    )
    transient_retry_min: float = Field(
        2.0,
        gt=0,
        description="first backoff, in seconds, after a transient error (5xx, timeout, 429)",
    )
    transient_retry_max: float = Field(
        300.0, gt=0, description="longest backoff, in seconds, after transient errors"
    )
    lookup_cache_ttl: float = Field(
        300.0, ge=0, description="seconds a flavor, image or network lookup stays cached"
    )
    openstack_rate_limit: float = Field(
        10.0, gt=0, description="requests per second to one OpenStack endpoint"
    )
    openstack_concurrency: int = Field(
        8, ge=1, description="requests in flight at once to one OpenStack endpoint"
    )
    openstack_timeout: float = Field(
        60.0, gt=0, description="seconds to wait for an OpenStack answer once a request is sent"
    )
    metrics_port: int = Field(
        9090, ge=0, le=65535, description="port of the Prometheus metrics endpoint; 0 turns it off"
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="log level")
    log_format: Literal["text", "json"] = Field(
        "text", description="log format: json for log collectors"
    )

    @model_validator(mode="after")
    def _binding_needs_namespaces(self) -> OperatorConfig:
        if self.role_binding and not self.namespaces:
            raise ValueError(
                "--role-binding names the operator's RoleBinding in each watched namespace: it needs"
                " --namespace (with all namespaces the rights come from a ClusterRoleBinding, which"
                " deleting a namespace does not touch)"
            )
        return self


def flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--namespace",
        "-n",
        action="append",
        dest="namespaces",
        default=[],
        metavar="NS",
        help="watch this namespace (repeatable); default: all namespaces",
    )
    scope.add_argument(
        "--all-namespaces", "-A", action="store_true", help="watch all namespaces (the default)"
    )
    for name, field in OperatorConfig.model_fields.items():
        if name == "namespaces":
            continue
        kind: Any = field.annotation
        options: dict[str, Any] = {
            "dest": name,
            "help": field.description,
            "default": field.default,
        }
        if kind is bool:
            options["action"] = "store_true"
        elif get_origin(kind) is Literal:
            options["choices"] = get_args(kind)
        else:
            options["type"] = kind if kind in (int, float) else str
            options["metavar"] = name.split("_")[-1].upper()
        parser.add_argument(flag(name), **options)


def from_arguments(args: argparse.Namespace) -> OperatorConfig:
    values = {name: getattr(args, name) for name in OperatorConfig.model_fields}
    return OperatorConfig(**{**values, "namespaces": tuple(args.namespaces)})
