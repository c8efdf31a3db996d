"""RBAC for the embedded API server: tokens, the authorizer, escalation prevention, an audit.

With ``KubeAPI(authorization=True)`` (``instance-operator kube-api --authorization``) each request
is authenticated (the admin token is ``system:masters``; a ServiceAccount token from the
TokenRequest subresource is that ServiceAccount; no token is ``system:anonymous``) and authorized
against the Roles, ClusterRoles and bindings stored in the server, seeded with the bootstrap
policy a real cluster has. Ported from Kubernetes; see each module for its source.
"""
