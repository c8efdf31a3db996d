"""kopf's credentials, taken from the very client configuration the controller writes with.

kopf's stock login reads the process-wide kubeconfig on its own; deriving both from one
``kubernetes.client.Configuration`` guarantees that kopf's watch and the controller's status
writes go to the same cluster, as the same identity.
"""

from __future__ import annotations

import kopf
from kubernetes import client as k8s


def connection_info(configuration: k8s.Configuration) -> kopf.ConnectionInfo:
    if (
        configuration.refresh_api_key_hook is not None
    ):  # exec plugins, rotated service account tokens
        configuration.refresh_api_key_hook(configuration)
    header = configuration.get_api_key_with_prefix(
        "BearerToken"
    ) or configuration.get_api_key_with_prefix("authorization")
    scheme, token = None, None
    if header:
        parts = header.split(" ", 1)
        scheme, token = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        username=configuration.username or None,
        password=configuration.password or None,
        scheme=scheme,
        token=token,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
    )
