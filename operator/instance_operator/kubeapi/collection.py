"""All objects of one resource (every served version): index, watch history and watchers.

Objects are keyed by (namespace, name) in a dict, with a sorted key list beside it so that a
namespace's objects and a paging position are found by bisection, never by a scan. Each stored
object is immutable and carries its JSON once, so lists and watch fan-out reuse the bytes.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import json
from collections.abc import Iterator
from typing import Any, Protocol

Key = tuple[str, str]  # (namespace or "" for cluster-scoped, name)


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """One version of an object; ``body`` must never be mutated once stored."""

    body: dict[str, Any]
    raw: bytes
    rv: int

    def as_version(self, api_version: str) -> bytes:
        """The JSON as served under one version: conversion between versions is ``None``."""
        if self.body.get("apiVersion") == api_version:
            return self.raw
        return json.dumps({**self.body, "apiVersion": api_version}, separators=(",", ":")).encode()


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """A watch event; ``old`` lets selector watchers see objects entering and leaving."""

    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    new: Stored
    old: Stored | None


class Subscriber(Protocol):
    def offer(self, change: Change) -> None: ...

    def close(self) -> None: ...


class Collection:
    def __init__(self, history: int) -> None:
        self.items: dict[Key, Stored] = {}
        self.watchers: set[Subscriber] = set()
        self._keys: list[Key] = []
        self._history: collections.deque[Change] = collections.deque(maxlen=history)
        #: Every change after this resourceVersion is still in the history.
        self._horizon = 0

    def put(self, key: Key, stored: Stored) -> None:
        if key not in self.items:
            bisect.insort(self._keys, key)
        self.items[key] = stored

    def remove(self, key: Key) -> None:
        del self.items[key]
        del self._keys[bisect.bisect_left(self._keys, key)]

    def keys(self, namespace: str | None, after: Key | None = None) -> Iterator[Key]:
        """Keys in order, optionally in one namespace and strictly after a paging position."""
        lo, hi = self._bounds(namespace)
        if after is not None:
            lo = max(lo, bisect.bisect_right(self._keys, after))
        for index in range(lo, hi):
            yield self._keys[index]

    def count_after(self, namespace: str | None, after: Key) -> int:
        lo, hi = self._bounds(namespace)
        return max(0, hi - max(lo, bisect.bisect_right(self._keys, after)))

    def _bounds(self, namespace: str | None) -> tuple[int, int]:
        if namespace is None:
            return 0, len(self._keys)
        # (ns + "\0", "") sorts after every (ns, name) and before every later namespace.
        return bisect.bisect_left(self._keys, (namespace, "")), bisect.bisect_left(
            self._keys, (namespace + "\0", "")
        )

    def record(self, change: Change) -> None:
        if len(self._history) == self._history.maxlen:
            self._horizon = self._history[0].rv
        self._history.append(change)
        for watcher in list(self.watchers):
            watcher.offer(change)

    def since(self, rv: int) -> list[Change] | None:
        """Changes after ``rv`` in order, or ``None`` if some have left the history window."""
        if rv < self._horizon:
            return None
        found = []
        for change in reversed(self._history):
            if change.rv <= rv:
                break
            found.append(change)
        found.reverse()
        return found

    def restart_history(self, rv: int) -> None:
        """Forget every change up to ``rv`` and end the open watches, as a re-initialised watch
        cache does: a watch can resume from ``rv`` on, not before."""
        self._history.clear()
        self._horizon = rv
        for watcher in list(self.watchers):
            watcher.close()

    @property
    def horizon(self) -> int:
        return self._horizon
