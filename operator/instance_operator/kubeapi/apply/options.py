"""The write options of a request: field manager, ``force`` and ``dryRun``, checked as the API
server checks Create/Update/Patch/DeleteOptions (422 ``<Kind>Options.meta.k8s.io "" is
invalid``), and the manager a write is recorded under when the client names none.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from instance_operator.kubeapi import errors
from instance_operator.kubeapi.apply import managed

APPLY_PATCH = "application/apply-patch+yaml"
_DRY_RUN_ALL = "All"
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_OPTIONS_KIND = {
    "create": "CreateOptions",
    "update": "UpdateOptions",
    "patch": "PatchOptions",
    "delete": "DeleteOptions",
}


@dataclasses.dataclass(frozen=True)
class WriteOptions:
    #: The manager the write is recorded under (``fieldManager``, else from the user agent).
    manager: str
    apply: bool = False
    force: bool = False
    dry_run: bool = False


def is_apply(content_type: str) -> bool:
    return content_type.split(";", maxsplit=1)[0].strip().lower() == APPLY_PATCH


def parse(
    verb: str,
    query: Mapping[str, str],
    dry_run: list[str],
    *,
    user_agent: str,
    content_type: str = "",
) -> WriteOptions:
    """The options of a write ``verb``; ``dry_run`` holds every ``dryRun`` value sent."""
    causes: list[dict[str, str]] = []
    apply = verb == "patch" and is_apply(content_type)
    manager = query.get("fieldManager", "") if verb != "delete" else ""
    force = _boolean("force", query.get("force"))
    if verb == "patch" and not apply and "force" in query:
        causes.append(
            {
                "reason": "FieldValueForbidden",
                "message": "Forbidden: may not be specified for non-apply patch",
                "field": "force",
            }
        )
    if apply and not manager:
        causes.append(
            {
                "reason": "FieldValueRequired",
                "message": "Required value: is required for apply patch",
                "field": "fieldManager",
            }
        )
    causes += managed.check_manager(manager, "fieldManager")
    if any(value != _DRY_RUN_ALL for value in dry_run):
        shown = "[]string{" + ", ".join(json.dumps(value) for value in dry_run) + "}"
        causes.append(
            {
                "reason": "FieldValueNotSupported",
                "message": f'Unsupported value: {shown}: supported values: "{_DRY_RUN_ALL}"',
                "field": "dryRun",
            }
        )
    if causes:
        raise errors.invalid(_OPTIONS_KIND[verb], "meta.k8s.io", "", causes)
    return WriteOptions(
        manager=manager or manager_from_user_agent(user_agent),
        apply=apply,
        force=apply and force,
        dry_run=bool(dry_run),
    )


def dry_run_in_body(body: Any) -> list[str]:
    """DeleteOptions may carry ``dryRun`` in the body too."""
    values = body.get("dryRun") if isinstance(body, dict) else None
    return [str(value) for value in values] if isinstance(values, list) else []


def _boolean(name: str, text: str | None) -> bool:
    if text is None or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    raise errors.bad_request(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def manager_from_user_agent(user_agent: str) -> str:
    """What precedes the first ``/`` of the user agent, printable characters only, ≤ 128 bytes."""
    kept = ""
    for char in user_agent.split("/", maxsplit=1)[0]:
        if not managed.printable(char):
            continue
        if len((kept + char).encode()) > managed.MAX_MANAGER_LENGTH:
            break
        kept += char
    return kept
