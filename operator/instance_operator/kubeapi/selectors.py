"""``labelSelector`` and ``fieldSelector`` query parameters, parsed once per request."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from instance_operator.kubeapi import errors

_SET_REQUIREMENT = re.compile(
    r"^\s*(?P<key>[^\s!=()]+)\s+(?P<op>in|notin)\s+\((?P<values>[^()]*)\)\s*$"
)
_EQUALITY = re.compile(r"^\s*(?P<key>[^\s!=()]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s!=(),]*)\s*$")
_EXISTS = re.compile(r"^\s*(?P<neg>!?)\s*(?P<key>[^\s!=()]+)\s*$")


@dataclasses.dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "in", "notin", "exists", "!exists"
    values: frozenset[str] = frozenset()

    def matches(self, labels: dict[str, str]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "!exists":
            return self.key not in labels
        if self.op == "in":
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses: ``a in (x,y),b`` is two requirements."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


@dataclasses.dataclass(frozen=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, text: str) -> LabelSelector:
        requirements = []
        for part in _split(text):
            if match := _SET_REQUIREMENT.match(part):
                values = frozenset(
                    value.strip() for value in match["values"].split(",") if value.strip()
                )
                requirements.append(Requirement(match["key"], match["op"], values))
            elif match := _EQUALITY.match(part):
                op = "notin" if match["op"] == "!=" else "in"
                requirements.append(Requirement(match["key"], op, frozenset({match["value"]})))
            elif match := _EXISTS.match(part):
                requirements.append(
                    Requirement(match["key"], "!exists" if match["neg"] else "exists")
                )
            else:
                raise errors.bad_request(f"unable to parse requirement: {part.strip()!r}")
        return cls(tuple(requirements))

    def matches(self, body: dict[str, Any]) -> bool:
        labels = body.get("metadata", {}).get("labels") or {}
        return all(requirement.matches(labels) for requirement in self.requirements)


@dataclasses.dataclass(frozen=True)
class FieldSelector:
    #: (dotted field path, expected value, whether equal is wanted)
    terms: tuple[tuple[str, str, bool], ...] = ()

    @classmethod
    def parse(cls, text: str, allowed: frozenset[str]) -> FieldSelector:
        terms = []
        for part in _split(text):
            match = _EQUALITY.match(part)
            if not match:
                raise errors.bad_request(f"invalid selector: {part.strip()!r}")
            if match["key"] not in allowed:
                raise errors.bad_request(f"field label not supported: {match['key']}")
            terms.append((match["key"], match["value"], match["op"] != "!="))
        return cls(tuple(terms))

    def matches(self, body: dict[str, Any]) -> bool:
        for path, value, equal in self.terms:
            current: Any = body
            for part in path.split("."):
                current = current.get(part) if isinstance(current, dict) else None
            actual = "" if current is None else str(current)
            if (actual == value) != equal:
                return False
        return True

    def exact_name(self) -> str | None:
        """``metadata.name=X`` allows a direct lookup instead of a scan."""
        names = [value for path, value, equal in self.terms if path == "metadata.name" and equal]
        return names[0] if names else None
