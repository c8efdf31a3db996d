"""``metadata.managedFields``: managers and the fields each owns, decoded and encoded.

A manager is identified as the API server identifies it: its name, the operation, the
subresource and, for ``Update`` only, the apiVersion (an applier keeps one entry whatever
version it applies). Entries are written back sorted as the server sorts them: ``Apply``
before ``Update``, then by time, manager, apiVersion and subresource.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from typing import Any

from instance_operator.kubeapi.apply import fieldpath
from instance_operator.kubeapi.apply.fieldpath import Fields

APPLY = "Apply"
UPDATE = "Update"
#: ``FieldManagerMaxLength`` of the API server's validation.
MAX_MANAGER_LENGTH = 128


@dataclasses.dataclass(frozen=True, order=True)
class Manager:
    name: str
    operation: str
    #: Empty for appliers.
    api_version: str = ""
    subresource: str = ""

    def identity(self) -> str:
        """The JSON the server keys managers by; it also orders them in conflict messages."""
        entry: dict[str, str] = {"manager": self.name, "operation": self.operation}
        if self.api_version:
            entry["apiVersion"] = self.api_version
        if self.subresource:
            entry["subresource"] = self.subresource
        return json.dumps(entry, separators=(",", ":"))

    def describe(self) -> str:
        """As conflict messages name it: ``"kubectl" with subresource "status" using v1``."""
        text = json.dumps(self.name)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == UPDATE:
            text += f" using {self.api_version}"
        return text


@dataclasses.dataclass(frozen=True)
class Entry:
    fields: Fields
    api_version: str
    time: str | None


Managers = dict[Manager, Entry]


def is_reset(entries: Any) -> bool:
    """``[]`` or ``[{}]`` sent by a client clears every entry, as on a real server."""
    return entries in ([], [{}])


def decode(entries: Any) -> Managers:
    """Managers from stored or sent entries; ``ValueError`` where the server cannot decode."""
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    managers: Managers = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("a managedFields entry must be an object")
        if entry.get("fieldsType") != "FieldsV1":
            raise ValueError(f"invalid fieldsType {entry.get('fieldsType')!r}")
        texts = [
            entry.get(name, "") for name in ("manager", "operation", "apiVersion", "subresource")
        ]
        time = entry.get("time")
        if not all(isinstance(text, str) for text in texts) or not isinstance(time, str | None):
            raise ValueError("managedFields entries hold strings")
        name, operation, api_version, subresource = texts
        manager = Manager(name, operation, "" if operation == APPLY else api_version, subresource)
        managers[manager] = Entry(fieldpath.decode(entry.get("fieldsV1", {})), api_version, time)
    return managers


def encode(managers: Managers) -> list[dict[str, Any]]:
    def order(item: tuple[Manager, Entry]) -> tuple[str, str, str, str, str]:
        manager, entry = item
        return (
            manager.operation,
            entry.time or "",
            manager.name,
            entry.api_version,
            manager.subresource,
        )

    encoded = []
    for manager, entry in sorted(managers.items(), key=order):
        item: dict[str, Any] = {
            "manager": manager.name,
            "operation": manager.operation,
            "apiVersion": entry.api_version,
        }
        if entry.time is not None:
            item["time"] = entry.time
        item["fieldsType"] = "FieldsV1"
        item["fieldsV1"] = fieldpath.encode(entry.fields)
        if manager.subresource:
            item["subresource"] = manager.subresource
        encoded.append(item)
    return encoded


def check(entries: list[dict[str, Any]]) -> list[dict[str, str]]:
    """ObjectMeta validation of managedFields, as API ``causes``."""
    causes = []
    for index, entry in enumerate(entries):
        where = f"metadata.managedFields[{index}]"
        operation = entry["operation"]
        if operation not in (APPLY, UPDATE):
            message = f"Invalid value: {json.dumps(operation)}: must be `Apply` or `Update`"
            causes.append(
                {"reason": "FieldValueInvalid", "message": message, "field": f"{where}.operation"}
            )
        causes += check_manager(entry["manager"], f"{where}.manager")
    return causes


def check_manager(name: str, field: str) -> list[dict[str, str]]:
    """``ValidateFieldManager``: at most 128 bytes, printable characters only."""
    causes = []
    if len(name.encode()) > MAX_MANAGER_LENGTH:
        message = f"Too long: may not be more than {MAX_MANAGER_LENGTH} bytes"
        causes.append({"reason": "FieldValueTooLong", "message": message, "field": field})
    for index, char in enumerate(name):
        if not printable(char):
            position = len(name[:index].encode())  # Go ranges over bytes
            message = (
                f"Invalid value: {json.dumps(name)}: invalid character U+{ord(char):04X} "
                f"(at position {position})"
            )
            causes.append({"reason": "FieldValueInvalid", "message": message, "field": field})
    return causes


def printable(char: str) -> bool:
    """Go's ``unicode.IsPrint``: letters, marks, numbers, punctuation, symbols and ASCII space."""
    return char == " " or unicodedata.category(char)[0] in "LMNPS"
