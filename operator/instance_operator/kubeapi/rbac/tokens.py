"""Who a bearer token is: the admin token, or a ServiceAccount's token from a TokenRequest.

A ServiceAccount token authenticates as ``system:serviceaccount:NS:NAME`` in the groups
``system:serviceaccounts``, ``system:serviceaccounts:NS`` and ``system:authenticated``, for as
long as that ServiceAccount (the same one, by uid) exists, as a bound token does on a real
server. Tokens are opaque random strings, not signed JWTs, and do not expire.
"""

from __future__ import annotations

import secrets

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.rbac.authorizer import MASTERS
from instance_operator.kubeapi.rbac.bootstrap import AUTHENTICATED, UNAUTHENTICATED
from instance_operator.kubeapi.rbac.requestinfo import User
from instance_operator.kubeapi.resources import BUILTINS
from instance_operator.kubeapi.store import Store

(SERVICE_ACCOUNTS,) = (r for r in BUILTINS if r.plural == "serviceaccounts")
ADMIN = User("system:admin", (MASTERS, AUTHENTICATED))
ANONYMOUS = User("system:anonymous", (UNAUTHENTICATED,))


def service_account_user(namespace: str, name: str) -> User:
    return User(
        f"system:serviceaccount:{namespace}:{name}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED),
    )


class Tokens:
    def __init__(self, store: Store, admin_token: str) -> None:
        self.store = store
        self.admin_token = admin_token
        #: token -> (namespace, name, uid) of the ServiceAccount it was issued for.
        self._issued: dict[str, tuple[str, str, str]] = {}

    def issue(self, namespace: str, name: str) -> str:
        """A new token for the ServiceAccount; 404 if it does not exist."""
        account = self.store.get(SERVICE_ACCOUNTS, namespace, name)
        token = secrets.token_urlsafe(32)
        self._issued[token] = (namespace, name, account.body["metadata"]["uid"])
        return token

    def authenticate(self, header: str | None) -> User:
        """The user of an ``Authorization`` header; anonymous without one; 401 for a bad token."""
        if header is None:
            return ANONYMOUS
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.unauthorized()
        token = token.strip()
        if secrets.compare_digest(token, self.admin_token):
            return ADMIN
        issued = self._issued.get(token)
        if issued is None:
            raise errors.unauthorized()
        namespace, name, uid = issued
        account = self.store.lookup(SERVICE_ACCOUNTS, namespace, name)
        if account is None or account.body["metadata"]["uid"] != uid:
            raise errors.unauthorized()
        return service_account_user(namespace, name)
