"""The operator's own OpenStack client: Keystone v3 auth, catalog, Nova, Glance and Neutron.

Layered like gophercloud: a provider (``provider.py``: credentials, token, re-auth, the HTTP
transport), service clients (``service.py``: one endpoint plus its microversion) and resource
modules (``compute/``, ``image/``, ``network/``) whose pydantic models map Pythonic names to wire
names the way openstacksdk's resources do. ``cloud.py`` ties them together for callers.

Usage (from worker threads, never on the asyncio loop)::

    from instance_operator.openstack.cloud import CloudPool
    from instance_operator.openstack.config import load_clouds_yaml
    from instance_operator.openstack.compute import flavors, servers
    from instance_operator.openstack.image import images

    pool = CloudPool()                                     # one per operator process
    cloud = pool.get(load_clouds_yaml(secret_bytes, "prod"))  # shared per set of credentials
    flavor = flavors.find(cloud.compute, "m1.small")
    image = images.find(cloud.image, "ubuntu-24.04")
    created = servers.create(cloud.compute, servers.CreateOpts(
        name="web-1", flavor_ref=flavor.id, image_ref=image.id, networks="auto",
        tags=["iop-uid-<uid>"]))

Errors are in ``errors.py``; ``OutcomeUnknown`` after a create means "look it up by its tag".

This file imports nothing on purpose: ``instance-operator check-cloud`` imports a module of this
package from the CLI, and the CLI must start without loading requests and pydantic.
"""
