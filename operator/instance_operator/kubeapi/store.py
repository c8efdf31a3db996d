"""The objects and their write semantics: one global resourceVersion, one code path per verb.

Every method runs to completion on the event loop without awaiting, so each write is atomic
and watch events leave in resourceVersion order. Writes work on a deep copy of the stored body
and store a new immutable ``Stored``; a write that changes nothing stores nothing (no new
resourceVersion, no event), as the API server does.

Writes from clients name a field manager: each records its ownership in
``metadata.managedFields`` (an Update entry, or an Apply entry for server-side apply, see
``apply/``). A dry run goes through every step, admission included, and stores nothing: the
answer is the object as it would be, under the resourceVersion it has.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import collections
import copy
import dataclasses
import json
import uuid
from typing import Any

from instance_operator.kubeapi import admission, errors, lifecycle, patches, policies
from instance_operator.kubeapi.apply.ownership import Write
from instance_operator.kubeapi.apply.records import (
    Owner,
    live_managers,
    setter,
    update_recorder,
    updater,
)
from instance_operator.kubeapi.collection import Change, Collection, Key, Stored
from instance_operator.kubeapi.fieldvalidation import FieldValidation
from instance_operator.kubeapi.metadata import (
    SYSTEM_FIELDS,
    check_name,
    encode,
    generated_name,
    now,
    same_content,
    spec_changed,
)
from instance_operator.kubeapi.resources import NAMESPACES, Catalog, ResourceType
from instance_operator.kubeapi.selectors import FieldSelector, LabelSelector

#: The resourceVersion in a continue token that goes on from the current state, as the API
#: server's token in an expired continue's answer.
_LATEST = -1


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[Stored]
    rv: int
    continue_token: str
    remaining: int | None


class Store:
    def __init__(self, history: int) -> None:
        self.catalog = Catalog()
        self.rv = 0
        self._history = history
        self._collections: dict[tuple[str, str], Collection] = {}
        self._latest_types: dict[tuple[str, str], ResourceType] = {}
        #: Namespaced objects per namespace, so a terminating namespace knows when it is empty.
        self.population: collections.Counter[str] = collections.Counter()
        #: What remains in each terminating namespace (kept by ``lifecycle``).
        self.terminating: dict[str, lifecycle.Content] = {}
        self.create(NAMESPACES, None, {"metadata": {"name": "default"}})

    # -- collections ---------------------------------------------------------------------------

    def collection(self, rtype: ResourceType) -> Collection:
        self._latest_types[rtype.key] = rtype
        if rtype.key not in self._collections:
            self._collections[rtype.key] = Collection(self._history)
        return self._collections[rtype.key]

    def close_watchers(self) -> None:
        for coll in self._collections.values():
            for watcher in coll.watchers:
                watcher.close()

    def restart_watch_cache(self, rtypes: list[ResourceType] | None = None) -> None:
        """The API server's watch cache of these resources (all if ``None``) re-initialised at
        the current resourceVersion, as after an etcd compaction or a restart."""
        for coll in self.collections(rtypes):
            coll.restart_history(self.rv)

    def collections(self, rtypes: list[ResourceType] | None = None) -> list[Collection]:
        """The collections of these resources, or all of them."""
        if rtypes is None:
            return list(self._collections.values())
        return [self.collection(rtype) for rtype in rtypes]

    def namespaced_types(self) -> list[ResourceType]:
        return [rtype for rtype in self._latest_types.values() if rtype.namespaced]

    def lookup(self, rtype: ResourceType, namespace: str | None, name: str) -> Stored | None:
        return self.collection(rtype).items.get((namespace or "", name))

    # -- reads ---------------------------------------------------------------------------------

    def get(self, rtype: ResourceType, namespace: str | None, name: str) -> Stored:
        stored = self.lookup(rtype, namespace, name)
        if stored is None:
            raise errors.not_found(rtype.plural, rtype.group, name)
        return stored

    def list(
        self,
        rtype: ResourceType,
        namespace: str | None,
        *,
        labels: LabelSelector,
        fields: FieldSelector,
        limit: int,
        token: str,
    ) -> Page:
        coll = self.collection(rtype)
        list_rv, after = self.rv, None
        if token:
            list_rv, after = _decode_token(token)
            if list_rv == _LATEST:
                list_rv = self.rv
            elif list_rv < coll.horizon:
                raise errors.continue_expired(_encode_token(_LATEST, after))
        name = fields.exact_name()
        keys = coll.keys(namespace, after)
        if name is not None and namespace is not None:
            keys = iter([(namespace, name)] if (namespace, name) in coll.items else [])
        items: list[Stored] = []
        last: Key | None = None
        for key in keys:
            stored = coll.items[key]
            if labels.matches(stored.body) and fields.matches(stored.body):
                items.append(stored)
                if limit and len(items) == limit:
                    last = key
                    break
        if last is None or not coll.count_after(namespace, last):
            return Page(items, list_rv, "", None)
        unfiltered = not labels.requirements and not fields.terms
        remaining = coll.count_after(namespace, last) if unfiltered else None
        return Page(items, list_rv, _encode_token(list_rv, last), remaining)

    # -- writes --------------------------------------------------------------------------------

    def create(
        self,
        rtype: ResourceType,
        namespace: str | None,
        body: Any,
        *,
        validation: FieldValidation | None = None,
        manager: str | None = None,
        dry_run: bool = False,
        owner: Owner | None = None,
    ) -> Stored:
        """``manager`` records an Update entry; ``owner`` (server-side apply) sets its own."""
        body = _envelope(rtype, body)
        meta = body["metadata"]
        if manager is not None:
            owner = updater(Write(rtype, "", manager), meta.get("managedFields"))
        if rtype.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = namespace
            lifecycle.check_namespace_open(self, namespace or "")
        else:
            meta.pop("namespace", None)
        lifecycle.check_crd_open(self, rtype)
        for field in SYSTEM_FIELDS:
            meta.pop(field, None)
        if rtype.status_subresource:
            body.pop("status", None)
        if not meta.get("name") and not meta.get("generateName"):
            message = "Required value: name or generateName is required"
            raise errors.invalid(
                rtype.kind,
                rtype.group,
                "",
                [{"reason": "FieldValueRequired", "message": message, "field": "metadata.name"}],
            )
        coll = self.collection(rtype)
        if not meta.get("name"):
            meta["name"] = generated_name(meta["generateName"])
            while (namespace or "", meta["name"]) in coll.items:
                meta["name"] = generated_name(meta["generateName"])
        check_name(rtype, meta["name"])
        admission.admit(rtype, None, body, validation=validation)
        key = (namespace or "", meta["name"])
        if key in coll.items:
            raise errors.already_exists(rtype.plural, rtype.group, meta["name"])
        return self._first_version(rtype, body, owner, dry_run)

    def _first_version(
        self, rtype: ResourceType, body: dict[str, Any], owner: Owner | None, dry_run: bool
    ) -> Stored:
        meta = body["metadata"]
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now()
        if rtype.generation:
            meta["generation"] = 1
        if owner is not None:
            owner(None, body)
        if dry_run:
            return _preview(None, body)
        return self.commit(rtype, None, body)

    def update(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        body: Any,
        *,
        subresource: str = "",
        validation: FieldValidation | None = None,
        manager: str | None = None,
        dry_run: bool = False,
    ) -> Stored:
        body = _envelope(rtype, body)
        old = self.get(rtype, namespace, name)
        if body["metadata"].get("name") not in (None, name):
            raise errors.bad_request(
                f"the name of the object ({body['metadata']['name']}) does not match the name on the URL ({name})"
            )
        precondition = body["metadata"].get("resourceVersion")
        if precondition is None and rtype.custom:
            message = "Invalid value: 0x0: must be specified for an update"
            raise errors.field_invalid(
                rtype.kind, rtype.group, name, "metadata.resourceVersion", message
            )
        owner = update_recorder(rtype, subresource, manager, body)
        return self._replace(
            rtype,
            old,
            body,
            subresource=subresource,
            precondition=precondition,
            validation=validation,
            owner=owner,
            dry_run=dry_run,
        )

    def patch(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        *,
        content_type: str,
        patch: Any,
        subresource: str = "",
        validation: FieldValidation | None = None,
        manager: str | None = None,
        dry_run: bool = False,
    ) -> Stored:
        old = self.get(rtype, namespace, name)
        target = copy.deepcopy(old.body)
        target["apiVersion"] = rtype.api_version  # the version of the URL, not the one stored
        patched = _envelope(rtype, patches.apply(content_type, target, patch))
        # A resourceVersion the patch sets (or a stale one it keeps) is a precondition.
        precondition = patched["metadata"].get("resourceVersion")
        owner = update_recorder(rtype, subresource, manager, patched)
        return self._replace(
            rtype,
            old,
            patched,
            subresource=subresource,
            precondition=precondition,
            validation=validation,
            owner=owner,
            dry_run=dry_run,
        )

    def apply(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        config: Any,
        *,
        manager: str,
        force: bool,
        subresource: str = "",
        validation: FieldValidation | None = None,
        dry_run: bool = False,
    ) -> tuple[Stored, bool]:
        """Server-side apply: the object after it, and whether the apply created it."""
        config = patches.apply_configuration(rtype, namespace, name, config)
        old = self.lookup(rtype, namespace, name)
        write = Write(rtype, subresource, manager)
        if old is None:
            if subresource:
                raise errors.not_found(rtype.plural, rtype.group, name)
            live = {"apiVersion": rtype.api_version, "kind": rtype.kind, "metadata": {}}
            merged, managers = write.apply(live, config, {}, force=force)
            owner = setter(rtype, managers)
            return self.create(
                rtype, namespace, merged, validation=validation, owner=owner, dry_run=dry_run
            ), True
        managers = live_managers(old.body) or write.before_first_apply(old.body)
        merged, managers = write.apply(old.body, config, managers, force=force)
        merged["apiVersion"] = rtype.api_version
        stored = self._replace(
            rtype,
            old,
            merged,
            subresource=subresource,
            precondition=config["metadata"].get("resourceVersion"),
            validation=validation,
            owner=setter(rtype, managers),
            dry_run=dry_run,
        )
        return stored, False

    def delete(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        options: dict[str, Any],
        *,
        dry_run: bool = False,
        requester: policies.Requester = policies.ANONYMOUS,
        warnings: builtins.list[str] | None = None,
    ) -> tuple[Stored, bool]:
        """The object after the call, and whether it is gone (no finalizers held it).

        The admission policies see the stored object as ``oldObject``; their ``Warn`` texts go
        to ``warnings``."""
        old = self.get(rtype, namespace, name)
        lifecycle.check_deletable(rtype, name)
        preconditions = options.get("preconditions") or {}
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            wanted = preconditions.get(field)
            if wanted is not None and wanted != old.body["metadata"].get(field):
                actual = old.body["metadata"].get(field)
                why = f"Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {actual}"
                raise errors.conflict(rtype.plural, rtype.group, name, why)
        request = policies.Request(
            "DELETE",
            rtype,
            name,
            namespace or "",
            requester,
            old=old.body,
            dry_run=dry_run,
            options=options,
        )
        found = policies.admit(self, request)
        if warnings is not None:
            warnings += found
        return self.start_deletion(rtype, old, dry_run=dry_run)

    def start_deletion(
        self, rtype: ResourceType, old: Stored, *, dry_run: bool = False
    ) -> tuple[Stored, bool]:
        meta = old.body["metadata"]
        if meta.get("deletionTimestamp"):
            return old, False
        if not lifecycle.holds_deletion(rtype, old.body):
            if dry_run:
                return old, True
            return self.remove(rtype, old, copy.deepcopy(old.body)), True
        body = copy.deepcopy(old.body)
        body["metadata"]["deletionTimestamp"] = now()
        body["metadata"]["deletionGracePeriodSeconds"] = 0
        if rtype.generation:
            body["metadata"]["generation"] = meta.get("generation", 0) + 1
        lifecycle.mark_terminating(rtype, body)
        if dry_run:
            return _preview(old, body), False
        return self.commit(rtype, old, body), False

    def _replace(
        self,
        rtype: ResourceType,
        old: Stored,
        body: dict[str, Any],
        *,
        subresource: str,
        precondition: Any,
        validation: FieldValidation | None,
        owner: Owner | None,
        dry_run: bool,
    ) -> Stored:
        name = old.body["metadata"]["name"]
        if precondition is not None and str(precondition) != str(old.rv):
            raise errors.stale(rtype.plural, rtype.group, name)
        new = _compose(rtype, old.body, body, subresource)
        meta = new["metadata"]
        old_meta = old.body["metadata"]
        deleting = bool(old_meta.get("deletionTimestamp"))
        if deleting and set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or []):
            message = "Forbidden: no new finalizers can be added if the object is being deleted"
            raise errors.field_invalid(
                rtype.kind, rtype.group, name, "metadata.finalizers", message
            )
        admission.admit(rtype, old.body, new, validation=validation)
        if owner is not None:
            owner(old.body, new)
        if rtype.generation and spec_changed(rtype, old.body, new):
            meta["generation"] = old_meta.get("generation", 0) + 1
        if same_content(old.body, new):
            return old
        if dry_run:
            return _preview(old, new)
        if deleting and not lifecycle.holds_deletion(rtype, new):
            return self.remove(rtype, old, new)
        return self.commit(rtype, old, new)

    # -- committing ----------------------------------------------------------------------------

    def commit(self, rtype: ResourceType, old: Stored | None, body: dict[str, Any]) -> Stored:
        """Store a new state of an object (created if ``old`` is ``None``) with the next resourceVersion."""
        key = _key(body)
        self.rv += 1
        body["metadata"]["resourceVersion"] = str(self.rv)
        stored = Stored(body, encode(body), self.rv)
        self.collection(rtype).put(key, stored)
        if old is None and rtype.namespaced:
            self.population[key[0]] += 1
        change = Change(self.rv, "MODIFIED" if old else "ADDED", stored, old)
        self.collection(rtype).record(change)
        lifecycle.after(self, rtype, change)
        return stored

    def remove(self, rtype: ResourceType, old: Stored, body: dict[str, Any]) -> Stored:
        """Delete for good: the last state gets a new resourceVersion and a DELETED event."""
        self.rv += 1
        body["metadata"]["resourceVersion"] = str(self.rv)
        stored = Stored(body, encode(body), self.rv)
        key = _key(old.body)
        self.collection(rtype).remove(key)
        if rtype.namespaced:
            self.population[key[0]] -= 1
        change = Change(self.rv, "DELETED", stored, old)
        self.collection(rtype).record(change)
        lifecycle.after(self, rtype, change)
        return stored


def _compose(
    rtype: ResourceType, old: dict[str, Any], body: dict[str, Any], subresource: str
) -> dict[str, Any]:
    """The object a write asks for: ``/status`` takes only status, the main endpoint all but it.

    Whatever the client sent, the server's metadata fields stay as they were.
    """
    if subresource == "status":
        new = copy.deepcopy(old)
        new.pop("status", None)
        if body.get("status") is not None:
            new["status"] = body["status"]
    else:
        new = body
        if rtype.status_subresource:
            new.pop("status", None)
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
    meta = new["metadata"]
    for field in ("name", "namespace", *SYSTEM_FIELDS):
        if field in old["metadata"]:
            meta[field] = old["metadata"][field]
        else:
            meta.pop(field, None)
    return new


def _preview(old: Stored | None, body: dict[str, Any]) -> Stored:
    """A dry run's answer: the object as it would be stored, under its current resourceVersion."""
    if old is None:
        body["metadata"].pop("resourceVersion", None)
        return Stored(body, encode(body), 0)
    body["metadata"]["resourceVersion"] = str(old.rv)
    return Stored(body, encode(body), old.rv)


def _key(body: dict[str, Any]) -> Key:
    return (body["metadata"].get("namespace") or "", body["metadata"]["name"])


def _envelope(rtype: ResourceType, body: Any) -> dict[str, Any]:
    """Check the body is this resource's object, filling in apiVersion and kind if absent."""
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request must be a JSON object")
    for field, expected in (("apiVersion", rtype.api_version), ("kind", rtype.kind)):
        given = body.setdefault(field, expected)
        if given != expected:
            raise errors.bad_request(
                f"the {field} in the data ({given}) does not match the expected {field} ({expected})"
            )
    meta = body.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be a JSON object")
    return body


def _encode_token(rv: int, last: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps([rv, *last]).encode()).decode()


def _decode_token(token: str) -> tuple[int, Key]:
    try:
        rv, namespace, name = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(rv), (str(namespace), str(name))
    except (ValueError, TypeError, binascii.Error) as error:
        raise errors.bad_request(f"invalid continue token: {token!r}") from error
