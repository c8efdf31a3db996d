"""Nova keypairs: reading one, to check a spec's ``key_name`` before booting with it."""

from __future__ import annotations

from instance_operator.openstack.resource import Resource, Timestamp
from instance_operator.openstack.routes import Route
from instance_operator.openstack.service import ServiceClient


class Keypair(Resource):
    name: str
    public_key: str
    fingerprint: str | None = None
    #: ``ssh`` or ``x509`` (2.2+).
    type: str | None = None
    user_id: str | None = None
    created_at: Timestamp | None = None
    #: Nova's numeric ID; only ``GET`` of one keypair shows it.
    id: int | None = None


def get(client: ServiceClient, name: str) -> Keypair:
    response = client.get(Route.of("os-keypairs/{name}", name=name))
    return Keypair.parse(response.object("keypair"), response.request_id)
