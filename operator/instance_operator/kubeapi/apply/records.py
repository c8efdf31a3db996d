"""How a store write records ownership: the ``Owner`` callbacks the store calls just before it
stores an object, once admission has completed it.

A client's Update starts from the managers it sent (if they decode and are not empty; ``[]``
clears them), else from the live ones; ``/status`` always starts from the live ones. An apply
has computed its managers already and only sets them. Either way the result is validated as
ObjectMeta validation would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.apply import managed
from instance_operator.kubeapi.apply.ownership import Write
from instance_operator.kubeapi.resources import ResourceType

#: Sets ``metadata.managedFields`` of the object a write is about to store (old is None on create).
Owner = Callable[[dict[str, Any] | None, dict[str, Any]], None]


def update_recorder(
    rtype: ResourceType, subresource: str, manager: str | None, sent: dict[str, Any]
) -> Owner | None:
    """The Update recorder of a client's write; ``sent`` is the object as the client wrote it."""
    if manager is None:
        return None
    # /status keeps the live managedFields, whatever the request says.
    entries = None if subresource else sent["metadata"].get("managedFields")
    return updater(Write(rtype, subresource, manager), entries)


def updater(write: Write, sent: Any) -> Owner:
    """Records ``write`` as an Update; ``sent`` is the managedFields the client sent, if any."""

    def record(old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        live = old or {"metadata": {}}
        managers = _sent_managers(sent) if sent is not None else None
        if managers is None:
            managers = live_managers(live)
        if not managers and old is not None:
            # Untracked (its entries were cleared): Updates stay untracked until an apply.
            new["metadata"].pop("managedFields", None)
            return
        _set(write.rtype, new, write.update(live, new, managers))

    return record


def setter(rtype: ResourceType, managers: managed.Managers) -> Owner:
    """Sets the managers an apply computed."""

    def record(_: dict[str, Any] | None, new: dict[str, Any]) -> None:
        _set(rtype, new, managers)

    return record


def _sent_managers(sent: Any) -> managed.Managers | None:
    """Entries a client sent replace the live ones if they decode and are not empty; ``[]``
    clears them; anything else is ignored, so a client that drops them loses nothing."""
    if managed.is_reset(sent):
        return {}
    try:
        managers = managed.decode(sent)
    except ValueError:
        return None
    return managers or None


def live_managers(live: dict[str, Any]) -> managed.Managers:
    try:
        return managed.decode(live["metadata"].get("managedFields") or [])
    except ValueError:
        return {}


def _set(rtype: ResourceType, obj: dict[str, Any], managers: managed.Managers) -> None:
    meta = obj["metadata"]
    meta.pop("managedFields", None)
    entries = managed.encode(managers)
    if entries:
        meta["managedFields"] = entries
    causes = managed.check(entries)
    if causes:
        raise errors.invalid(rtype.kind, rtype.group, meta.get("name", ""), causes)
