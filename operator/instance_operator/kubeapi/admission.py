"""What the API server does to an object between decoding it and storing it.

ObjectMeta's typed fields are checked (a number in an annotation is a decode error there too),
built-ins get their server-side defaults, and custom resources go through their CRD version's
schema: prune (``fieldValidation`` decides what unknown fields do), default, validate (schema,
formats, then CEL rules with the old object for transition rules).
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi import crds, errors
from instance_operator.kubeapi.fieldvalidation import FieldValidation
from instance_operator.kubeapi.metadata import fold_string_data
from instance_operator.kubeapi.policies import validation as policies
from instance_operator.kubeapi.resources import BINDINGS, CRDS, NAMESPACES, POLICIES, ResourceType


def admit(
    rtype: ResourceType,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    validation: FieldValidation | None = None,
) -> None:
    """Check and complete ``new`` in place; ``old`` is ``None`` on create.

    The one entry point for every write (create, update, patch, apply). ``validation`` is the
    request's ``fieldValidation``, which decides what unknown fields do; without one (writes
    the server makes itself) they are pruned silently.
    """
    _check_meta(rtype, new["metadata"])
    dropped = _drop_unknown_meta(new["metadata"])
    if rtype.schema is not None:
        dropped += sorted(rtype.schema.prune(new))
    if validation is not None:
        validation.unknown_fields(rtype, dropped)
    if rtype.key == ("", "secrets"):
        fold_string_data(new)
        new.setdefault("type", "Opaque")
    elif rtype.key == NAMESPACES.key and old is None:
        new.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        new["status"] = {"phase": "Active"}
    elif rtype.key == CRDS.key:
        crds.check(new)
        crds.default(new)
        if old is None:
            new["metadata"]["finalizers"] = [
                *new["metadata"].get("finalizers", []),
                crds.CLEANUP_FINALIZER,
            ]
        crds.accept(new)
    elif rtype.key == POLICIES.key:
        policies.default_policy(new)
        policies.check_policy(new)
    elif rtype.key == BINDINGS.key:
        policies.default_binding(new)
        policies.check_binding(new)
    elif rtype.schema is not None:
        rtype.schema.default(new)
        causes = rtype.schema.validate(new, old)
        if causes:
            raise errors.invalid(rtype.kind, rtype.group, new["metadata"].get("name", ""), causes)


# ObjectMeta's fields: the decoder drops anything else in metadata, as an unknown field.
_OBJECT_META = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)


def _drop_unknown_meta(meta: dict[str, Any]) -> list[str]:
    unknown = sorted(key for key in meta if key not in _OBJECT_META)
    for key in unknown:
        del meta[key]
    return [f"metadata.{key}" for key in unknown]


def _check_meta(rtype: ResourceType, meta: dict[str, Any]) -> None:
    """Typed ObjectMeta fields; empty ones vanish, as ``omitempty`` makes them on a real server."""
    cannot = f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}'
    for field in ("labels", "annotations"):
        value = meta.get(field)
        if value is not None and (
            not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values())
        ):
            raise errors.bad_request(f"{cannot}: metadata.{field} must map strings to strings")
    finalizers = meta.get("finalizers")
    if finalizers is not None and (
        not isinstance(finalizers, list) or not all(isinstance(item, str) for item in finalizers)
    ):
        raise errors.bad_request(f"{cannot}: metadata.finalizers must be a list of strings")
    for field in ("labels", "annotations", "finalizers", "ownerReferences"):
        if field in meta and not meta[field]:
            del meta[field]
