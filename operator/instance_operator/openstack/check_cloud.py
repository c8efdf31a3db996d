"""``instance-operator check-cloud``: can the operator work with this cloud, and if not, why?

Authenticates, prints the catalog's services, the negotiated compute microversion and the
flavors, images and networks by name and ID (what an Instance's spec names). With ``--secret``
it reads the credentials Secret an Instance would use (with the user's kubeconfig), ``cacert``
key included, so what the operator will see is checked before an Instance is created. On failure it prints a one-line diagnosis naming what
to fix and exits 1. Heavy imports happen inside ``run`` so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from instance_operator.openstack.cloud import Cloud
    from instance_operator.openstack.config import CloudConfig

#: Where clouds.yaml is looked for when ``--clouds-file`` and ``OS_CLIENT_CONFIG_FILE`` are unset,
#: in the order openstacksdk uses.
CLOUDS_FILES = (
    Path("clouds.yaml"),
    Path.home() / ".config" / "openstack" / "clouds.yaml",
    Path("/etc/openstack/clouds.yaml"),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check-cloud",
        help="check that an OpenStack cloud is reachable and usable",
        description=(
            "Authenticate against a cloud from clouds.yaml (or OS_* variables), show its "
            "services, the compute microversion and what it offers."
        ),
    )
    parser.add_argument("--cloud", help="cloud name in clouds.yaml (default: $OS_CLOUD)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--secret",
        metavar="NAMESPACE/NAME",
        help="read clouds.yaml (and a cacert key) from this Secret with your kubeconfig, as an"
        " Instance's cloudCredentialsRef would; --cloud is then its cloudName",
    )
    source.add_argument(
        "--clouds-file",
        type=Path,
        help="clouds.yaml to read (default: $OS_CLIENT_CONFIG_FILE, ./clouds.yaml, "
        "~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from instance_operator.openstack.cloud import connect
    from instance_operator.openstack.errors import OpenStackError

    try:
        if getattr(args, "secret", None):
            config = _load_secret(args.secret, args.cloud or os.environ.get("OS_CLOUD"))
        else:
            config = _load(args.cloud, args.clouds_file, os.environ)
        for warning in config.warnings:
            print(f"check-cloud: warning: {warning}", file=err)
        cloud = connect(config)
        try:
            _report(cloud, out)
        finally:
            cloud.close()
    except OpenStackError as exc:
        print(f"check-cloud: FAILED: {diagnose(exc)}", file=err)
        return 1
    return 0


def _load(name: str | None, clouds_file: Path | None, environ: Mapping[str, str]) -> CloudConfig:
    from instance_operator.openstack.config import load_clouds_file, load_environment
    from instance_operator.openstack.errors import ConfigError

    name = name or environ.get("OS_CLOUD")
    if clouds_file is None and environ.get("OS_CLIENT_CONFIG_FILE"):
        clouds_file = Path(environ["OS_CLIENT_CONFIG_FILE"])
    if clouds_file is None and name:
        clouds_file = next((p for p in CLOUDS_FILES if p.is_file()), None)
        if clouds_file is None:
            places = ", ".join(str(p) for p in CLOUDS_FILES)
            raise ConfigError(f"cloud {name!r} asked for, but no clouds.yaml in {places}")
    if clouds_file is not None:
        if not name:
            raise ConfigError(f"which cloud of {clouds_file}? give --cloud or set OS_CLOUD")
        return load_clouds_file(clouds_file, name)
    if environ.get("OS_AUTH_URL"):
        return load_environment(environ)
    raise ConfigError("no cloud given: use --cloud/--clouds-file, OS_CLOUD, or OS_* variables")


def _load_secret(ref: str, name: str | None) -> CloudConfig:
    """The cloud ``name`` of the credentials Secret ``NAMESPACE/NAME``; ``ConfigError`` (one
    line) for a bad reference, a Secret that cannot be read, or a missing key."""
    import base64
    import tempfile

    from kubernetes import client as k8s
    from kubernetes import config as k8s_config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException

    from instance_operator.openstack.ca_bundle import CA_KEY, with_ca_bundle
    from instance_operator.openstack.config import load_clouds_yaml
    from instance_operator.openstack.errors import ConfigError

    namespace, _, secret_name = ref.partition("/")
    if not namespace or not secret_name:
        raise ConfigError(f"--secret {ref!r}: expected NAMESPACE/NAME")
    if not name:
        raise ConfigError(f"which cloud of Secret {ref}? give --cloud (the Instance's cloudName)")
    try:
        configuration = k8s.Configuration()
        # KUBECONFIG as it is now (the client reads it only once, at import), like kubectl.
        k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=os.environ.get("KUBECONFIG"), client_configuration=configuration
        )
        with k8s.ApiClient(configuration) as api:
            secret = k8s.CoreV1Api(api).read_namespaced_secret(secret_name, namespace)
    except ConfigException as exc:
        raise ConfigError(f"no usable kubeconfig to read Secret {ref}: {exc}") from None
    except ApiException as exc:
        raise ConfigError(
            f"cannot read Secret {ref}: the API answered {exc.status} {exc.reason}"
        ) from None
    data = {key: base64.b64decode(value) for key, value in (secret.data or {}).items()}
    if "clouds.yaml" not in data:
        keys = ", ".join(sorted(data)) or "none"
        raise ConfigError(f"Secret {ref} has no key 'clouds.yaml' (its keys: {keys})")
    config = load_clouds_yaml(data["clouds.yaml"], name)
    if CA_KEY in data:
        config = with_ca_bundle(config, data[CA_KEY], Path(tempfile.mkdtemp(prefix="check-cloud-")))
    return config


def _report(cloud: Cloud, out: TextIO) -> None:
    from instance_operator.openstack.clients import COMPUTE_CEILING, COMPUTE_FLOOR
    from instance_operator.openstack.compute import flavors
    from instance_operator.openstack.errors import EndpointNotFound
    from instance_operator.openstack.image import images
    from instance_operator.openstack.network import networks

    token = cloud.provider.token()
    project = token.body.project
    scope = f"{project.name} ({project.id})" if project else "?"
    print(f"cloud {cloud.name}: authenticated, project {scope}", file=out)
    print("services:", file=out)
    for service in sorted(token.catalog.services, key=lambda s: s.type):
        try:
            url = cloud.provider.endpoint(service.type, name=service.name)
        except EndpointNotFound as exc:  # shown, not fatal: the operator may not need it
            url = f"({exc})"
        print(f"  {service.type:<12} {service.name or '':<12} {url}", file=out)
    compute = cloud.compute
    print(
        f"compute microversion: {compute.microversion} "
        f"(client supports {COMPUTE_FLOOR} to {COMPUTE_CEILING})",
        file=out,
    )
    offered = {
        "flavors": [(f.name, f.id) for f in flavors.list_flavors(compute)],
        "images": [(i.name or "", i.id) for i in images.list_images(cloud.image)],
        "networks": [(n.name, n.id) for n in networks.list_networks(cloud.network)],
    }
    for kind, items in offered.items():
        print(f"{kind} ({len(items)}):", file=out)
        width = max((len(name) for name, _ in items), default=0)
        for name, ident in sorted(items):
            print(f"  {name:<{width}}  {ident}", file=out)


def diagnose(exc: Exception) -> str:
    """One line saying what went wrong and what to look at."""
    from instance_operator.openstack import errors

    match exc:
        case errors.ConfigError():
            return f"configuration: {exc}"
        case errors.AuthenticationFailed():
            return f"Keystone refused the credentials ({exc.url}); check user, password and scope"
        case errors.ServiceNotFound() | errors.EndpointNotFound():
            return f"catalog: {exc}; check region_name and interface"
        case errors.MicroversionUnsupported():
            return f"compute API too old: {exc}"
        case errors.ConnectionFailed() | errors.ResponseLost():
            return f"network: {exc}; check the URL, DNS, firewall and TLS settings"
        case errors.HttpError():
            return f"{exc.method} {exc.url} answered {exc.status_code}: {exc.message}"
    return str(exc)
