"""An embedded Kubernetes API server: in memory, one process, on 127.0.0.1.

It exists so the real operator (kopf, through a kubeconfig), the ``kubernetes`` client and
kubectl can run end to end where no cluster exists: tests, ``make demo``, benchmarks with
thousands of Instances. Usage::

    with KubeAPI().running() as api:          # own thread and loop; port 0
        api.write_kubeconfig(path)             # for kopf, the kubernetes client, kubectl
        api.faults.inject("conflict", verbs=["patch"], resource="instances", count=2)
        api.counters.requests(verb="patch", resource="instances", subresource="status")
        api.counters.writes("instances", "web-1", "default")
        api.objects("instances", "default"); api.get("instances", "web-1", "default")

``instance-operator kube-api --port 0 --kubeconfig FILE`` serves from its own process, and
``testing.kube_api_process`` drives that process (counters and faults over ``/_kubeapi/``).

Emulated, with the API server's codes, reasons and wording:

- discovery (``/version``, ``/api``, ``/apis`` ...) for namespaces, secrets, configmaps, core
  events, leases and CRDs, plus every served version of every CRD while the CRD exists;
  ``/openapi/v3`` just far enough for kubectl to validate server-side (``fieldValidation``);
- create/get/list/watch/update/patch/delete with one global resourceVersion, generateName,
  uid, generation (spec changes only), 409 on stale resourceVersions (PUT, or one set in a
  patch), 422 on a failed JSON-patch ``test``, no-op writes that change nothing, empty
  metadata maps omitted, label and field selectors, ``limit``/``continue`` paging;
- the status subresource, finalizers and deletionTimestamp, namespace and CRD termination;
- custom resources pruned (or, with ``fieldValidation=Strict``, rejected for unknown
  fields), defaulted and validated with their CRD version's schema;
- watches from a resourceVersion (410 Expired beyond ``watch_history`` changes per resource),
  bookmarks, ``timeoutSeconds``, ``sendInitialEvents``;
- Table responses with the CRD's printer columns, for ``kubectl get`` (and ``--watch``);
- fault injection and request counters, from Python and under ``/_kubeapi/``.

Not emulated: CEL ``x-kubernetes-validations`` and schema ``format`` checks, admission
webhooks, RBAC (the optional token is all-powerful), server-side apply and ``dryRun``
(rejected), strategic merge patch semantics for lists (applied as a merge patch),
``deletecollection``, garbage collection by ownerReferences, propagation policies (accepted,
ignored), version conversion beyond rewriting ``apiVersion``, ``events.k8s.io``, aggregated
discovery, and consistent snapshots across list pages (later pages show the current state,
under the first page's resourceVersion, so a watch from it replays anything missed).
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
