"""A ``clouds.yaml`` that points openstacksdk, the CLI or our own client at the simulator."""

from __future__ import annotations

from typing import Any

import yaml

from instance_operator.simulator.config import SimulatorConfig


def clouds_yaml(
    auth_url: str,
    config: SimulatorConfig,
    cloud_name: str = "simulator",
    user: str | None = None,
    application_credential: str | None = None,
) -> str:
    """Password auth as ``user`` (default: the first configured user) on its project, or
    application-credential auth when ``application_credential`` names a seeded credential."""
    domain = config.domain.name
    if application_credential is not None:
        credential = next(
            a for a in config.application_credentials if a.name == application_credential
        )
        auth: dict[str, Any] = {
            "auth_url": auth_url,
            "application_credential_id": credential.id,
            "application_credential_secret": credential.secret,
        }
        auth_type = "v3applicationcredential"
    else:
        seed = config.user(user) if user is not None else config.users[0]
        auth = {
            "auth_url": auth_url,
            "username": seed.name,
            "password": seed.password,
            "project_name": seed.project,
            "user_domain_name": domain,
            "project_domain_name": domain,
        }
        auth_type = "password"
    cloud = {
        "auth_type": auth_type,
        "auth": auth,
        "region_name": config.region,
        "interface": "public",
        "identity_api_version": 3,
    }
    return yaml.safe_dump({"clouds": {cloud_name: cloud}}, sort_keys=False)
