"""The operator's settings: what ``instance-operator run`` takes on its command line.

Every knob a platform team may need to turn for its cloud (poll cadence, the OpenStack rate limit,
retry pacing) is a field here, with a default that suits a small cloud. The command-line flags
are made from the fields (``poll_interval`` is ``--poll-interval``, its description the help), so a
setting is declared once; the Helm chart passes them as flags.

Each setting can also come from the environment (``INSTANCE_OPERATOR_POLL_INTERVAL``), as
twelve-factor deployments expect; a flag wins over the variable, the variable over the default.
pydantic-settings reads and validates the variables with the same field rules as the flags, so
there is one parser, not two. Only variables named after a field are read, but Kubernetes' service
links can still collide: a Service named ``instance-operator-metrics`` injects
``INSTANCE_OPERATOR_METRICS_PORT=tcp://...``. The chart turns service links off and passes every
setting as a flag, which wins over a variable.
"""

from __future__ import annotations

import argparse
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "INSTANCE_OPERATOR_"


class InvalidSetting(ValueError):
    """A setting's value is refused; the message names the flag or variable, never a traceback."""


class OperatorConfig(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="forbid", env_prefix=ENV_PREFIX)

    namespaces: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="namespaces to watch; none: all"
    )
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

    @field_validator("namespaces", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """``INSTANCE_OPERATOR_NAMESPACES=team-a,team-b``, as the flag's repetitions."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _binding_needs_namespaces(self) -> OperatorConfig:
        if self.role_binding and not self.namespaces:
            raise ValueError(
                "--role-binding names the operator's RoleBinding in each watched namespace: it needs"
                " --namespace (with all namespaces the rights come from a ClusterRoleBinding, which"
                " deleting a namespace does not touch)"
            )
        return self

    @model_validator(mode="after")
    def _retry_bounds_in_order(self) -> OperatorConfig:
        if self.transient_retry_min > self.transient_retry_max:
            raise ValueError(
                f"--transient-retry-min ({self.transient_retry_min:g} s) is more than"
                f" --transient-retry-max ({self.transient_retry_max:g} s): the first retry comes"
                " after the minimum and the backoff stops growing at the maximum"
            )
        return self


def flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def env_var(field: str) -> str:
    return ENV_PREFIX + field.upper()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--namespace",
        "-n",
        action="append",
        dest="namespaces",
        default=argparse.SUPPRESS,
        metavar="NS",
        help=f"watch this namespace (repeatable; env {env_var('namespaces')}, comma-separated); "
        "default: all namespaces",
    )
    scope.add_argument(
        "--all-namespaces", "-A", action="store_true", help="watch all namespaces (the default)"
    )
    for name, field in OperatorConfig.model_fields.items():
        if name == "namespaces":
            continue
        kind: Any = field.annotation
        # Unset flags stay out of the namespace, so the environment can supply them.
        options: dict[str, Any] = {
            "dest": name,
            "help": f"{field.description} (default: {field.default}; env {env_var(name)})",
            "default": argparse.SUPPRESS,
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
    """The flags given, then ``INSTANCE_OPERATOR_*``, then the defaults. ``InvalidSetting`` names
    the flag (or variable) of the first refused value and what it must be."""
    given = {name: getattr(args, name) for name in OperatorConfig.model_fields if name in args}
    if "namespaces" in given:
        given["namespaces"] = tuple(given["namespaces"])
    elif getattr(args, "all_namespaces", False):
        given["namespaces"] = ()
    try:
        return OperatorConfig(**given)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        if not error["loc"]:  # a rule across settings: its message names them
            raise InvalidSetting(str(error.get("ctx", {}).get("error", error["msg"]))) from None
        name = str(error["loc"][0])
        source = flag(name) if name in given else env_var(name)
        message = error["msg"][0].lower() + error["msg"][1:]
        raise InvalidSetting(f"{source}: {message}") from None
