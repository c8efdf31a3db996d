"""``meta.k8s.io/v1`` Table lists, which ``kubectl get`` asks for to print its columns.

Custom resources get a Name column plus their CRD version's ``additionalPrinterColumns``
(or Age when there are none), evaluated with the JSONPath subset printer columns use in
practice: ``.field``, ``[index]`` and ``[?(@.field=="value")]``. Built-ins get Name and Age.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from instance_operator.kubeapi.collection import Stored
from instance_operator.kubeapi.resources import ResourceType

_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
_STEP = re.compile(r"""\.([^.\[]+)|\[(\d+)\]|\[\?\(@\.([^=]+)==["']([^"']*)["']\)\]""")


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def render(rtype: ResourceType, items: list[Stored], meta: dict[str, Any]) -> dict[str, Any]:
    columns = list(rtype.printer_columns) or [_AGE]
    definitions = [
        {"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0}
    ]
    definitions += [
        {
            "name": column["name"],
            "type": column.get("type", "string"),
            "format": column.get("format", ""),
            "description": column.get("description", ""),
            "priority": column.get("priority", 0),
        }
        for column in columns
    ]
    rows = []
    for stored in items:
        body = stored.body
        cells: list[Any] = [body["metadata"]["name"]]
        cells += [_cell(column, evaluate(column["jsonPath"], body)) for column in columns]
        partial = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": body["metadata"],
        }
        rows.append({"cells": cells, "object": partial})
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": definitions,
        "rows": rows,
    }


def evaluate(path: str, body: Any) -> Any:
    """The first value at a printer-column JSONPath, or ``None``."""
    current = body
    position = 0
    text = path.strip().removeprefix("{").removesuffix("}")
    while position < len(text) and current is not None:
        match = _STEP.match(text, position)
        if match is None:
            return None
        field, index, key, value = match.groups()
        if field is not None:
            current = current.get(field) if isinstance(current, dict) else None
        elif index is not None:
            current = (
                current[int(index)]
                if isinstance(current, list) and int(index) < len(current)
                else None
            )
        else:
            found = [
                item
                for item in current or []
                if isinstance(item, dict) and str(item.get(key)) == value
            ]
            current = found[0] if found else None
        position = match.end()
    return current


def _cell(column: dict[str, Any], value: Any) -> Any:
    """Dates become ages ("5m"), as the API server renders them; other values pass as they are."""
    if column.get("type") != "date" or not isinstance(value, str):
        return value
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return _human(datetime.datetime.now(datetime.UTC) - moment)


def _human(age: datetime.timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes}m"
    hours = minutes // 60
    return f"{hours}h" if hours < 48 else f"{hours // 24}d"
