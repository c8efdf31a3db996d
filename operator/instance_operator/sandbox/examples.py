"""The manifests in ``examples/``, and a simulated cloud in which they are valid as written.

``instance-full.yaml`` names things a fresh cloud lacks: an image and a second network by ID, the
keypair ``ops-key``, the security group ``db``, the server group ``db-pair`` and a user-data Secret. Seeding exactly those into
the simulator (and creating the Secret) lets the demo and the end-to-end tests apply the examples
unchanged, so they prove the examples themselves work.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, cast

import yaml

from instance_operator.simulator.config import (
    Durations,
    ImageSeed,
    KeypairSeed,
    NetworkSeed,
    SecurityGroupSeed,
    ServerGroupSeed,
    SimulatorConfig,
)

#: ``examples/`` of the source tree this package runs from (an editable install, as ``make`` does).
EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples"

#: The credentials Secret and cloud name every example refers to.
CREDENTIALS_SECRET = "openstack-credentials"  # noqa: S105 - a Secret's name
CLOUD_NAME = "mycloud"

MINIMAL = "instance-minimal.yaml"
FULL = "instance-full.yaml"

#: What instance-full.yaml refers to by ID, as the simulator has to know it.
FULL_IMAGE_ID = "8b8b0f5a-1c1e-4f55-9f3a-2b8f1b3c4d5e"
FULL_NETWORK_ID = "5d2d6a49-7f7a-4c43-8d2b-0f5f1c7e8a11"
FULL_USER_DATA_SECRET = "db-1-cloud-init"  # noqa: S105 - a Secret's name
USER_DATA = "#cloud-config\npackages: [postgresql]\n"


def example(name: str) -> dict[str, Any]:
    """The Instance in ``examples/<name>``, a fresh copy for the caller to adapt."""
    path = EXAMPLES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: the demo and the end-to-end tests run from a source checkout"
        )
    (doc,) = [d for d in yaml.safe_load_all(path.read_text()) if d.get("kind") == "Instance"]
    return cast(dict[str, Any], copy.deepcopy(doc))


def example_secrets() -> dict[str, dict[str, str]]:
    """Secrets the examples need besides the credentials: name -> ``stringData``."""
    return {FULL_USER_DATA_SECRET: {"user-data": USER_DATA}}


def example_cloud(durations: Durations | None = None, **fields: Any) -> SimulatorConfig:
    """The simulator's default cloud plus what instance-full.yaml refers to.

    ``fields`` override other settings (users, faults, ...); the example seeds are added to
    whatever users and projects result.
    """
    base = SimulatorConfig.model_validate(
        {**fields, **({"durations": durations} if durations is not None else {})}
    )
    return base.model_copy(
        update={
            "images": [*base.images, ImageSeed(name="postgres-16", id=FULL_IMAGE_ID)],
            "networks": [
                *base.networks,
                NetworkSeed(name="storage", cidr="10.20.0.0/24", id=FULL_NETWORK_ID),
            ],
            "keypairs": [
                *base.keypairs,
                *(KeypairSeed(name="ops-key", user=u.name) for u in base.users),
            ],
            "security_groups": [
                *base.security_groups,
                *(SecurityGroupSeed(name="db", project=p.name) for p in base.projects),
            ],
            "server_groups": [
                *base.server_groups,
                *(
                    ServerGroupSeed(name="db-pair", project=p.name, user=owner.name)
                    for p in base.projects
                    for owner in [u for u in base.users if u.project == p.name][:1]
                ),
            ],
        }
    )
