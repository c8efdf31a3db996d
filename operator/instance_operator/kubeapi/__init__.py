"""An embedded Kubernetes API server: in memory, one process, on 127.0.0.1.

It exists so the real operator (kopf, through a kubeconfig), the ``kubernetes`` client and
kubectl can run end to end where no cluster exists: tests, ``make demo``, benchmarks with
thousands of Instances. Usage::

    with KubeAPI().running() as api:          # own thread and loop; port 0
        api.write_kubeconfig(path)             # for kopf, the kubernetes client, kubectl
        api.faults.inject("conflict", verbs=["patch"], resource="instances", count=2)
        api.faults.inject("down", seconds=15)  # connections refused, then back
        api.counters.requests(verb="patch", resource="instances", subresource="status")
        api.counters.writes("instances", "web-1", "default")
        api.objects("instances", "default"); api.get("instances", "web-1", "default")

``instance-operator kube-api --port 0 --kubeconfig FILE`` serves from its own process, and
``testing.kube_api_process`` drives that process (counters and faults over ``/_kubeapi/``).

Whatever it accepts, a real kube-apiserver (v1.36) must accept too, and what a real one refuses,
it refuses, with the same status code, reason, field path and wording: every test trusts it.
Emulated, with the API server's codes, reasons and wording:

- discovery (``/version``, ``/api``, ``/apis`` ...) for namespaces, secrets, configmaps, core
  events, service accounts, leases, RBAC objects and CRDs, plus every served version of every
  CRD while the CRD exists; ``/openapi/v3`` just far enough for kubectl to validate server-side;
- create/get/list/watch/update/patch/delete with one global resourceVersion, generateName,
  uid, generation (spec changes only), 409 on stale resourceVersions (PUT, or one set in a
  patch), 422 on a failed JSON-patch ``test``, no-op writes that change nothing, empty
  metadata maps omitted, label and field selectors, ``limit``/``continue`` paging;
- CRD admission as kube-apiserver validates schemas (``crd_validation``): structural schemas (a
  type everywhere, root ``metadata`` limited to name/generateName), OpenAPI keywords and
  ``x-kubernetes-*`` combinations, list types and map keys, defaults that validate and survive
  pruning, the ``x-kubernetes-validations`` fields, and CEL rules compiled against the schema
  with cel-go's cost estimate (10,000,000 a rule times its maxItems/maxProperties cardinality,
  100,000,000 a schema);
- custom resources pruned as the API server prunes them, defaulted and validated with their
  CRD version's schema: ``format`` checks of the formats CRDs support, CEL
  ``x-kubernetes-validations`` on every write (create, update, patch, apply, status) with
  transition rules (``oldSelf``, ``optionalOldSelf``), ``reason``, ``fieldPath`` and
  ``messageExpression``, ``x-kubernetes-list-type: set`` repeats refused;
- ``fieldValidation`` Strict/Warn/Ignore (Warn when absent, ``Warning: 299`` headers): unknown
  and repeated fields, unknown ``metadata`` fields included; kubectl sends Strict;
- server-side apply (``application/apply-patch+yaml``): ``fieldManager`` required, apply creates,
  ``force``, conflicts as the real 409, removal of fields the applier dropped that nobody else
  owns, list types (atomic, set, map) and ``x-kubernetes-map-type``; ``metadata.managedFields``
  (FieldsV1, Apply/Update, subresource ``status``) kept on every write, the manager from
  ``fieldManager`` or the user agent, at most ten Update entries; ``dryRun=All`` on every write;
- the status subresource, finalizers and deletionTimestamp; namespace deletion as the namespace
  controller does it (one sweep: objects without finalizers go at once, the others stay until
  their finalizers are gone, the namespace's conditions, then the namespace itself) and CRD
  termination;
- ValidatingAdmissionPolicy and its binding (``policies/``): the API server's defaults and
  write-time checks, and evaluation on DELETE (``oldObject``, ``request``; Deny with the
  validation's reason and code, Warn as a ``Warning`` header, ``failurePolicy`` on evaluation
  errors), the namespace controller's sweep included (refusals hold the namespace in
  ``Terminating`` with ``NamespaceDeletionContentFailure``);
- RBAC, opt-in (``KubeAPI(authorization=True)``, ``kube-api --authorization``): an admin token in
  ``system:masters``, ServiceAccount tokens from the TokenRequest subresource, anonymous requests;
  the authorizer over stored Roles, ClusterRoles and bindings (verbs, groups, subresources,
  resourceNames, non-resource URLs), the bootstrap discovery roles, escalation prevention
  (``bind``/``escalate``) on writes of roles and bindings, 401/403 with the real wording, and an
  audit of every decision (``/_kubeapi/audit``);
- watches from a resourceVersion (410 Expired beyond ``watch_history`` changes per resource, as
  one ``ERROR`` event), bookmarks, ``timeoutSeconds``, ``sendInitialEvents``;
- Table responses with the CRD's printer columns, for ``kubectl get`` (and ``--watch``);
- fault injection (``conflict``, ``error``, ``hang``, ``latency``; and ``gone``: the watch cache
  starts over, so a resume gets 410; ``cut``: a watch stream reset after N events, mid-event or at
  a random moment; ``down``: the listener closed for N seconds, every connection dropped, then the
  same port and state) and request counters, from Python and under ``/_kubeapi/``.

Not emulated: TLS (kubectl sends no bearer token to this plain-HTTP server, so with
authorization on it is anonymous), ServiceAccount tokens as JWTs (they are opaque, without
expiry), client certificates, impersonation, SubjectAccessReviews, ClusterRole aggregation,
admission webhooks, ValidatingAdmissionPolicy features beyond ``policies/`` (evaluation on
CREATE/UPDATE/CONNECT, params, matchConditions, variables, auditAnnotations, selectors, all
refused on write), MutatingAdmissionPolicies, the CEL runtime cost budget, validation
ratcheting, CEL functions beyond strings/lists/regex/optional (``url``, ``quantity``, ``ip``,
``cidr``; Kubernetes' extension functions are not type-checked at CRD admission), optional-field
syntax (``.?x``, accepted unchecked), the completeness rule for properties named only inside
``anyOf``/``allOf``/``oneOf``, selectable fields, CRD update ratcheting, server-side apply's
``last-applied-configuration`` upgrade, unions and typed merge schemas of built-ins (they merge
as schemaless objects), ``apply-patch+cbor``, strategic merge patch semantics for lists of
built-ins (applied as a merge patch), ``deletecollection``, garbage collection by
ownerReferences, propagation policies (accepted, ignored), version conversion beyond rewriting
``apiVersion``, ``events.k8s.io``, aggregated discovery, ``resourceVersionMatch=Exact`` lists,
an API server's graceful shutdown (``down`` goes as a killed process goes), the namespace
controller's ~8 s between passes, and consistent snapshots across list pages (later pages show the
current state, under the first page's resourceVersion, so a watch from it replays anything
missed).
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
