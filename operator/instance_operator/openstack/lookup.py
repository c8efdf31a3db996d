"""Name lookups that insist on exactly one match.

OpenStack names are not unique. Picking the first of two flavors or networks with the same name
would boot a server on the wrong one without a word, so a lookup fails with the candidates'
IDs instead, and the user can switch to an ID.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from instance_operator.openstack.errors import MultipleMatches, NoMatch

T = TypeVar("T")


def exactly_one(kind: str, name: str, candidates: Iterable[T], ident: Callable[[T], str]) -> T:
    """The single candidate; ``NoMatch`` for none, ``MultipleMatches`` listing the IDs."""
    found = list(candidates)
    if not found:
        raise NoMatch(f"no {kind} named {name!r}", kind=kind, name=name)
    if len(found) > 1:
        ids = [ident(item) for item in found]
        raise MultipleMatches(
            f"{len(found)} {kind}s are named {name!r} ({', '.join(ids)}); use an ID",
            kind=kind,
            name=name,
            ids=ids,
        )
    return found[0]
