"""An embedded Kubernetes API server: in memory, one process, on 127.0.0.1.

It exists so the real operator (kopf, through a kubeconfig), the ``kubernetes`` client and
kubectl can run end to end where no cluster exists: tests, ``make demo``, benchmarks with
thousands of Instances. ``KubeAPI().running()`` serves from a background thread;
``instance-operator kube-api`` serves from its own process (see ``testing.py``).

Emulated, with the API server's codes, reasons and wording:

- discovery (``/version``, ``/api``, ``/apis`` ...) for namespaces, secrets, configmaps, core
  events, leases and CRDs, plus every served version of every CRD while the CRD exists;
- create/get/list/watch/update/patch/delete with one global resourceVersion, generateName,
  uid, generation (spec changes only), 409 on stale resourceVersions (PUT, or one set in a
  patch), 422 on a failed JSON-patch ``test``, no-op writes that change nothing, label and
  field selectors, ``limit``/``continue`` paging;
- the status subresource, finalizers and deletionTimestamp, namespace and CRD termination;
- custom resources pruned, defaulted and validated with their CRD version's schema;
- watches from a resourceVersion (410 Expired beyond ``watch_history``), bookmarks,
  ``timeoutSeconds``, ``sendInitialEvents``;
- fault injection and request counters, from Python and under ``/_kubeapi/``.

Not emulated: CEL ``x-kubernetes-validations`` and schema ``format`` checks, admission
webhooks, RBAC (any token is all-powerful), server-side apply and ``dryRun`` (rejected),
strategic merge patch semantics for lists (it is applied as a merge patch),
``deletecollection``, garbage collection by ownerReferences, version conversion beyond
rewriting ``apiVersion``, Table output for kubectl, ``events.k8s.io``, and consistent
snapshots across list pages (later pages show the current state, with the first page's
resourceVersion so a watch from it replays anything missed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instance_operator.kubeapi.server import KubeAPI

__all__ = ["KubeAPI"]


def __getattr__(name: str) -> Any:
    # The CLI imports this package for its subcommand module; aiohttp loads only when serving.
    if name == "KubeAPI":
        from instance_operator.kubeapi.server import KubeAPI

        return KubeAPI
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
