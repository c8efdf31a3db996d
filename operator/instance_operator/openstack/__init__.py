"""The operator's own OpenStack client: Keystone v3 auth, catalog, Nova, Glance and Neutron.

Layered like gophercloud: a provider (``provider.py``: credentials, token, re-auth, the HTTP
transport), service clients (``service.py``: one endpoint plus its microversion) and resource
modules (``compute/``, ``image/``, ``network/``) whose pydantic models map Pythonic names to wire
names the way openstacksdk's resources do. ``cloud.py`` ties them together for callers.

This file imports nothing on purpose: ``instance-operator check-cloud`` imports a module of this
package from the CLI, and the CLI must start without loading requests and pydantic.
"""
