"""What a lane must know at once about the person scanned, kept in memory.

A lane decides on the event loop and never waits for the disk, so the registry is held here:
pass subject -> member and household, household -> address label, the household exits of
the last :data:`KEEP_EXITS_S` (every lane's, loaded from the database at start, so the count
survives restarts) and each member's exit not yet followed by a return. The lookups are
dictionary reads; ``bench/bench_household_rules.py`` measures what they add to a decision.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import sqlite_utils

from edge.community.importer import address_label
from edge.community.registry import registry_rev
from edge.rules.household import HouseholdContext

KEEP_EXITS_S = 31 * 86400.0  # the longest period the policy allows
VISITOR_PREFIX = "v:"  # the subject of a visitor pass: "v:<visit id>"


@dataclass(frozen=True, slots=True)
class Resident:
    member_id: int
    household_id: int


@dataclass(frozen=True, slots=True)
class Visit:
    household_id: int
    valid_from: float
    valid_until: float
    cancelled: bool


@dataclass(slots=True)
class Registry:
    """The registry's snapshot; replaced whole when the registry changes (one assignment)."""

    rev: int = -1
    residents: dict[str, Resident] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    visits: dict[str, Visit] = field(default_factory=dict)

    @property
    def member_ids(self) -> set[int]:
        return {r.member_id for r in self.residents.values()}


def load_registry(db: sqlite_utils.Database) -> Registry:
    reg = Registry(rev=registry_rev(db))
    for hid, building, unit, room in db.execute("SELECT id, building, unit, room FROM households"):
        reg.labels[hid] = address_label(building, unit, room)
    for mid, hid, resident_id in db.execute("SELECT id, household_id, resident_id FROM members"):
        reg.residents[resident_id] = Resident(mid, hid)
    for visit_id, hid, start, end, cancelled in db.execute(
        "SELECT visit_id, household_id, valid_from, valid_until, cancelled_at FROM visits"
    ):
        reg.visits[visit_id] = Visit(hid, start, end, cancelled is not None)
    return reg


@dataclass(frozen=True, slots=True)
class ExitRow:
    household_id: int
    member_id: int
    at: float
    key: str
    returned_at: float | None


def load_exits(db: sqlite_utils.Database, since: float) -> list[ExitRow]:
    return [
        ExitRow(*row)
        for row in db.execute(
            "SELECT household_id, member_id, at, decision_key, returned_at FROM household_exits"
            " WHERE at >= ? ORDER BY at",
            [since],
        )
    ]


class ExitLedger:
    """Household exits across every lane, oldest first, and members still out."""

    def __init__(self) -> None:
        self._by_household: dict[int, list[float]] = {}
        self._by_key: dict[str, tuple[int, int, float]] = {}
        self._out: dict[int, tuple[float, str]] = {}  # member -> (exit time, decision key)

    def load(self, rows: list[ExitRow]) -> None:
        self._by_household, self._by_key, self._out = {}, {}, {}
        for row in rows:
            self.add(row.household_id, row.member_id, row.at, row.key)
            if row.returned_at is not None:
                self._out.pop(row.member_id, None)

    def add(self, household_id: int, member_id: int, at: float, key: str) -> None:
        if key in self._by_key:
            return
        bisect.insort(self._by_household.setdefault(household_id, []), at)
        self._by_key[key] = (household_id, member_id, at)
        current = self._out.get(member_id)
        if current is None or current[0] <= at:
            self._out[member_id] = (at, key)

    def remove(self, key: str) -> bool:
        """Forget an exit (its decision was overridden to a refusal)."""
        found = self._by_key.pop(key, None)
        if found is None:
            return False
        household_id, member_id, at = found
        times = self._by_household.get(household_id, [])
        index = bisect.bisect_left(times, at)
        if index < len(times) and times[index] == at:
            del times[index]
        if self._out.get(member_id, (0.0, ""))[1] == key:
            del self._out[member_id]
        return True

    def returned(self, member_id: int) -> tuple[float, str] | None:
        """The member is back: their open exit (time, key), now closed; None if none was open."""
        return self._out.pop(member_id, None)

    def exits(self, household_id: int, since: float) -> tuple[float, ...]:
        times = self._by_household.get(household_id)
        if not times:
            return ()
        if times[0] < since - KEEP_EXITS_S:  # trim what no period can count any more
            del times[: bisect.bisect_left(times, since - KEEP_EXITS_S)]
        return tuple(times[bisect.bisect_left(times, since) :])

    def still_out(self) -> list[tuple[int, int, float]]:
        """``(member, household, exit time)`` of every exit not yet followed by a return."""
        return [
            (member, self._by_key[key][0], at)
            for member, (at, key) in self._out.items()
            if key in self._by_key
        ]

    def out_since(self, member_id: int) -> float | None:
        found = self._out.get(member_id)
        return found[0] if found else None

    def __len__(self) -> int:
        return len(self._by_key)


def context_of(
    reg: Registry, ledger: ExitLedger, subject: str, now: float, period_s: float
) -> HouseholdContext | None:
    if subject.startswith(VISITOR_PREFIX):
        visit = reg.visits.get(subject[len(VISITOR_PREFIX) :])
        if visit is None or visit.household_id not in reg.labels:
            return None
        return HouseholdContext(reg.labels[visit.household_id], visitor=True, now=now)
    resident = reg.residents.get(subject)
    if resident is None:
        return None
    return HouseholdContext(
        reg.labels.get(resident.household_id, "?"),
        exits=ledger.exits(resident.household_id, now - period_s),
        out_since=ledger.out_since(resident.member_id),
        now=now,
    )
