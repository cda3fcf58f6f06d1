"""What a part of the gateway does with a kind: the contract between receiver and part.

The receiver (:mod:`cloud_sync.uplink.distribution`) holds, per kind, the value of each scope
it listens to. When one changes it calls the kind's :class:`Applier` with all of them; the
applier builds what it will put in force (merging the scopes, checking what only it can check)
and returns a :class:`Prepared`, or raises :class:`ApplyError` having changed nothing. The
receiver then persists, runs ``write`` in that same transaction, and calls ``install``, which
swaps the new value in with one assignment and cannot fail. So a bad item never replaces a good
one, and a lookup sees the old value or the new one, never a mixture.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from cloud_sync.distribution.content import StatusEntries
from cloud_sync.distribution.kinds import Kind, Scope

V = TypeVar("V")


class ApplyError(Exception):
    """The part cannot take this content; ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Prepared:
    install: Callable[[], None]  # puts the new value in force: one assignment, never fails
    write: Callable[[Any], None] | None = None  # with the receiver's transaction (a DB handle)
    summary: str = ""  # for the log: "100,000 passes"


class Applier(Protocol):
    kind: Kind

    def prepare(self, values: Mapping[Scope, Any]) -> Prepared:
        """Everything held of this kind, by scope -> what to put in force."""
        ...


def most_specific(values: Mapping[Scope, V | None]) -> V | None:
    """The value of the most specific scope that has one (a gateway's over its community's)."""
    for scope in sorted(values, key=lambda s: s.specificity, reverse=True):
        value = values[scope]
        if value is not None:
            return value
    return None


def merge_status(values: Mapping[Scope, StatusEntries]) -> StatusEntries:
    """One list from every scope's; where two name a pass, the more specific scope's colour.

    With one scope (the usual case) its mapping is used as it is: no copy of 100,000 entries.
    """
    present = [(s, v) for s, v in values.items() if v]
    if not present:
        return MappingProxyType({})
    if len(present) == 1:
        return present[0][1]
    merged: dict[str, str] = {}
    for _scope, entries in sorted(present, key=lambda sv: sv[0].specificity):
        merged.update(entries)
    return MappingProxyType(merged)
