"""Who owns which field after a write: the Apply and Update operations of the field manager.

Ported from structured-merge-diff's ``merge/update.go`` and the API server's field-manager
chain (``stripmeta``, reset fields, ``managedfieldsupdater``):

- An Update takes every field it adds or changes from whoever owned it (no conflicts, ever),
  and a removed field leaves every owner. Its entry's time moves only if it took something.
- An Apply merges the configuration into the live object, then removes what the applier set
  last time, no longer sets, and nobody else owns. A field it changes that another manager
  owns is a conflict (409), unless ``force``: then the other manager loses it. A field set to
  the value it already has is shared, not a conflict.
- An object nobody tracks (its entries cleared with ``[]``) stays untracked by Updates; its
  first Apply finds everything owned by ``before-first-apply``.
- At most ten Update entries are kept: the oldest merge into ``ancient-changes``.
- Never owned: apiVersion, kind and the server's metadata; with a status subresource, the
  main endpoint never owns ``status`` and ``/status`` never owns ``spec``.
"""

from __future__ import annotations

from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.apply import fieldpath, managed, typed
from instance_operator.kubeapi.apply.fieldpath import Fields, Path
from instance_operator.kubeapi.apply.managed import Entry, Manager, Managers
from instance_operator.kubeapi.metadata import now
from instance_operator.kubeapi.resources import ResourceType

BEFORE_FIRST_APPLY = "before-first-apply"
#: ``DefaultMaxUpdateManagers``: more Update entries than this, and the oldest are merged.
MAX_UPDATE_MANAGERS = 10
ANCIENT_CHANGES = "ancient-changes"
_STRIPPED: frozenset[Path] = frozenset(
    {("f:apiVersion",), ("f:kind",), ("f:metadata",)}
    | {
        ("f:metadata", fieldpath.field(name))
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        )
    }
)


class Write:
    """One write's view: the resource, the endpoint and the manager's name."""

    def __init__(self, rtype: ResourceType, subresource: str, manager: str) -> None:
        self.rtype = rtype
        self.subresource = subresource
        self.manager = manager
        self.schema = typed.root_schema(rtype)
        self._reset: tuple[Path, ...] = ()
        if rtype.status_subresource:
            self._reset = (("f:spec",),) if subresource == "status" else (("f:status",),)

    def owned(self, paths: set[Path]) -> Fields:
        return fieldpath.without(paths, exact=_STRIPPED, under=self._reset)

    def _changes(self, old: dict[str, Any], new: dict[str, Any]) -> tuple[Fields, Fields]:
        """(added or modified, removed) between two objects, managedFields aside."""
        comparison = typed.compare(self.schema, _unmanaged(old), _unmanaged(new))
        changed = fieldpath.without(comparison.added | comparison.modified, under=self._reset)
        return changed, fieldpath.without(comparison.removed, under=self._reset)

    def update(self, old: dict[str, Any], new: dict[str, Any], managers: Managers) -> Managers:
        """The managers after an Update (create, PUT, non-apply patch) from ``old`` to ``new``."""
        changed, removed = self._changes(old, new)
        result = _taken_away(managers, None, changed | removed)
        me = Manager(self.manager, managed.UPDATE, self.rtype.api_version, self.subresource)
        taken = self.owned(set(changed))
        if taken:
            previous = result.get(me)
            fields = taken | (previous.fields if previous else frozenset())
            result[me] = Entry(fields, self.rtype.api_version, now())
        return _cap_updaters(result)

    def before_first_apply(self, live: dict[str, Any]) -> Managers:
        """An untracked object meets its first apply: everything it holds is taken to be set by
        the Update manager ``before-first-apply``, so what the applier changes conflicts."""
        return Write(self.rtype, self.subresource, BEFORE_FIRST_APPLY).update({}, live, {})

    def apply(
        self, live: dict[str, Any], config: dict[str, Any], managers: Managers, *, force: bool
    ) -> tuple[dict[str, Any], Managers]:
        """The object and managers after applying ``config``; 409 on conflicts unless ``force``."""
        me = Manager(self.manager, managed.APPLY, "", self.subresource)
        last = managers.get(me)
        merged = typed.merge(self.schema, _unmanaged(live), config)
        mine = self.owned(typed.field_set(self.schema, config))
        managers = {
            **managers,
            me: Entry(mine, self.rtype.api_version, last.time if last else None),
        }
        if last is not None:
            owned = frozenset().union(*(entry.fields for entry in managers.values()))
            stale = (last.fields & typed.field_set(self.schema, merged)) - owned
            merged = typed.remove(self.schema, merged, set(stale))
        changed, removed = self._changes(live, merged)
        conflicts = {
            manager: entry.fields & changed
            for manager, entry in managers.items()
            if manager != me and entry.fields & changed
        }
        if conflicts and not force:
            raise _conflict_error(conflicts)
        result = _taken_away(managers, me, changed | removed)
        if me in result and (changed or removed):
            result[me] = Entry(mine, self.rtype.api_version, now())
        return merged, result


def _cap_updaters(managers: Managers) -> Managers:
    """At most ten Update entries: the oldest go into one ``ancient-changes`` per apiVersion."""
    updaters = sorted(
        (manager for manager in managers if manager.operation == managed.UPDATE),
        key=lambda manager: (managers[manager].time or "", manager.identity()),
    )
    excess = len(updaters) - MAX_UPDATE_MANAGERS
    result = dict(managers)
    first_of_version: dict[str, Manager] = {}
    for manager in updaters:
        if excess <= 0:
            break
        entry = result[manager]
        if entry.api_version not in first_of_version:
            first_of_version[entry.api_version] = manager
            continue
        bucket = Manager(ANCIENT_CHANGES, managed.UPDATE, entry.api_version)
        if bucket not in result:
            result[bucket] = result.pop(first_of_version[entry.api_version])
        merged = entry.fields | result[bucket].fields
        result[bucket] = Entry(merged, entry.api_version, entry.time)
        del result[manager]
        excess -= 1
    return result


def _taken_away(managers: Managers, keep: Manager | None, lost: Fields) -> Managers:
    """Every manager but ``keep`` without the ``lost`` fields; managers left with none go."""
    result: Managers = {}
    for manager, entry in managers.items():
        fields = entry.fields if manager == keep else entry.fields - lost
        if fields:
            result[manager] = (
                entry if fields == entry.fields else Entry(fields, entry.api_version, entry.time)
            )
    return result


def _unmanaged(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {
        key: value for key, value in (obj.get("metadata") or {}).items() if key != "managedFields"
    }
    return {**obj, "metadata": meta}


def _iteration_order(path: Path) -> tuple[tuple[int, int, str], ...]:
    """The order structured-merge-diff walks a set: at each level members, then subtrees."""
    kinds = {"f": 0, "k": 1, "v": 2, "i": 3}

    def rank(element: str) -> tuple[int, str]:
        kind, _, rest = element.partition(":")
        return kinds[kind], rest.zfill(20) if kind == "i" else rest

    return tuple((int(index < len(path) - 1), *rank(element)) for index, element in enumerate(path))


def _conflict_error(conflicts: dict[Manager, Fields]) -> errors.StatusError:
    """``NewConflictError``: one cause per field, the message grouped by manager."""
    pairs = [
        (manager, path)
        for manager in sorted(conflicts, key=Manager.identity)
        for path in sorted(conflicts[manager], key=_iteration_order)
    ]
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {manager.describe()}",
            "field": fieldpath.describe(path),
        }
        for manager, path in pairs
    ]
    if len(pairs) == 1:
        manager, path = pairs[0]
        message = f"Apply failed with 1 conflict: conflict with {manager.describe()}: {fieldpath.describe(path)}"
    else:
        lines = []
        for manager in sorted(conflicts, key=Manager.identity):
            lines.append(f"conflicts with {manager.describe()}:")
            lines += [f"- {fieldpath.describe(path)}" for other, path in pairs if other == manager]
        message = f"Apply failed with {len(pairs)} conflicts: " + "\n".join(lines)
    return errors.StatusError(409, "Conflict", message, {"causes": causes})
