"""The operator's settings: what ``instance-operator run`` takes on its command line.

Every knob a platform team may need to turn for its cloud (poll cadence, the OpenStack rate limit,
retry pacing) is here with a default that suits a small cloud; the Helm chart passes them as flags.
"""

from __future__ import annotations

import argparse
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OperatorConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Namespaces to watch; empty means all namespaces.
    namespaces: tuple[str, ...] = ()
    #: Run without kopf peering (a single replica, or a developer's laptop).
    standalone: bool = False
    #: The kopf peering object's name: replicas sharing it elect one active operator.
    peering_name: str = "instance-operator"
    #: Seconds a replica's peering record stays valid without a keep-alive: how long a standby
    #: waits before it takes over from an active replica that died.
    peering_lifetime: int = Field(default=60, ge=10)
    #: kopf's liveness endpoint, e.g. ``http://0.0.0.0:8080/healthz``.
    liveness: str | None = None
    #: Worker threads that talk to OpenStack.
    workers: int = Field(default=8, ge=1, le=256)
    #: Seconds between change polls of each cloud scope while all servers are settled.
    poll_interval: float = Field(default=30.0, gt=0)
    #: Seconds between change polls while some server is building, rebooting, resizing...
    fast_poll_interval: float = Field(default=2.0, gt=0)
    #: Seconds between full listings of a scope's servers (catches what change polls cannot).
    resync_interval: float = Field(default=600.0, gt=0)
    #: Seconds between reads of each referenced credentials Secret (rotation, repair).
    secret_poll_interval: float = Field(default=15.0, gt=0)
    #: Seconds before an Instance with a user error (bad flavor, quota, password) is retried.
    user_error_retry: float = Field(default=300.0, gt=0)
    #: Backoff bounds, in seconds, for transient errors (5xx, timeouts, 429).
    transient_retry_min: float = Field(default=2.0, gt=0)
    transient_retry_max: float = Field(default=300.0, gt=0)
    #: Seconds a name lookup (flavor, image, network...) stays cached.
    lookup_cache_ttl: float = Field(default=300.0, ge=0)
    #: Requests per second to one OpenStack endpoint, and requests in flight at once.
    openstack_rate_limit: float = Field(default=10.0, gt=0)
    openstack_concurrency: int = Field(default=8, ge=1)
    #: Seconds to wait for an OpenStack answer once a request is sent.
    openstack_timeout: float = Field(default=60.0, gt=0)
    #: Port of the Prometheus metrics endpoint; 0 disables it.
    metrics_port: int = Field(default=9090, ge=0, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = OperatorConfig()
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
    parser.add_argument(
        "--standalone", action="store_true", help="no peering: assume the only replica"
    )
    parser.add_argument(
        "--peering-name", default=defaults.peering_name, help="kopf peering object name"
    )
    parser.add_argument(
        "--peering-lifetime",
        type=int,
        default=defaults.peering_lifetime,
        help="seconds before a standby replica takes over from one that stopped answering",
    )
    parser.add_argument(
        "--liveness",
        metavar="URL",
        help="serve kopf's liveness probe, e.g. http://0.0.0.0:8080/healthz",
    )
    parser.add_argument(
        "--workers", type=int, default=defaults.workers, help="threads talking to OpenStack"
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=defaults.poll_interval,
        help="seconds between change polls of a cloud",
    )
    parser.add_argument(
        "--fast-poll-interval",
        type=float,
        default=defaults.fast_poll_interval,
        help="the same while servers are in transition",
    )
    parser.add_argument(
        "--resync-interval",
        type=float,
        default=defaults.resync_interval,
        help="seconds between full listings",
    )
    parser.add_argument(
        "--secret-poll-interval",
        type=float,
        default=defaults.secret_poll_interval,
        help="seconds between reads of credentials Secrets",
    )
    parser.add_argument(
        "--user-error-retry",
        type=float,
        default=defaults.user_error_retry,
        help="seconds before retrying an Instance with a user error",
    )
    parser.add_argument(
        "--openstack-rate-limit",
        type=float,
        default=defaults.openstack_rate_limit,
        help="requests per second per OpenStack endpoint",
    )
    parser.add_argument(
        "--openstack-concurrency",
        type=int,
        default=defaults.openstack_concurrency,
        help="requests in flight per OpenStack endpoint",
    )
    parser.add_argument(
        "--openstack-timeout",
        type=float,
        default=defaults.openstack_timeout,
        help="seconds to wait for an OpenStack answer",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=defaults.metrics_port,
        help="Prometheus metrics port; 0 disables",
    )
    parser.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], default=defaults.log_level
    )
    parser.add_argument("--log-format", choices=["text", "json"], default=defaults.log_format)


def from_arguments(args: argparse.Namespace) -> OperatorConfig:
    return OperatorConfig(
        namespaces=tuple(args.namespaces),
        standalone=args.standalone,
        peering_name=args.peering_name,
        peering_lifetime=args.peering_lifetime,
        liveness=args.liveness,
        workers=args.workers,
        poll_interval=args.poll_interval,
        fast_poll_interval=args.fast_poll_interval,
        resync_interval=args.resync_interval,
        secret_poll_interval=args.secret_poll_interval,
        user_error_retry=args.user_error_retry,
        openstack_rate_limit=args.openstack_rate_limit,
        openstack_concurrency=args.openstack_concurrency,
        openstack_timeout=args.openstack_timeout,
        metrics_port=args.metrics_port,
        log_level=args.log_level,
        log_format=args.log_format,
    )
