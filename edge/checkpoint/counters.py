"""Decisions in force per lane, today and since the database began, kept as they are made.

The page's lane counts, ``/healthz`` and ``/metrics`` read these from memory; nothing
recomputes them from the screenings table per request or per scrape. They are loaded from the
database once at start-up and then moved by each decision and each override.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from datetime import datetime, timedelta

OUTCOMES = ("ADMIT", "DENY", "RECHECK")


def start_of_local_day(now: float) -> float:
    local = datetime.fromtimestamp(now).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _next_local_day(day_start: float) -> float:
    # Add a day in local time, so a daylight-saving change does not shift midnight.
    local = datetime.fromtimestamp(day_start).astimezone() + timedelta(days=1, hours=2)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


Counts = collections.Counter[tuple[str, str]]  # (lane, outcome) -> decisions


class DecisionCounts:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._day_start = start_of_local_day(clock())
        self._next_day = _next_local_day(self._day_start)
        self._today: Counts = collections.Counter()
        self._total: Counts = collections.Counter()

    @property
    def day_start(self) -> float:
        self._roll()
        return self._day_start

    def load(self, total: Counts, today: Counts, day_start: float) -> None:
        """Start from what the database holds (``today`` counted from ``day_start``)."""
        self._total = collections.Counter(total)
        self._today = collections.Counter(today)
        self._day_start = day_start
        self._next_day = _next_local_day(day_start)
        self._roll()

    def decided(self, lane: str, outcome: str, at: float) -> None:
        self._roll()
        self._total[lane, outcome] += 1
        if at >= self._day_start:
            self._today[lane, outcome] += 1

    def overridden(self, lane: str, before: str, after: str, decided_at: float) -> None:
        self._roll()
        for counts, applies in ((self._total, True), (self._today, decided_at >= self._day_start)):
            if applies:
                counts[lane, before] -= 1
                counts[lane, after] += 1

    def today(self, lane: str) -> dict[str, int]:
        self._roll()
        return self._view(self._today, lane)

    def totals(self) -> dict[str, dict[str, int]]:
        lanes = sorted({lane for lane, _ in self._total})
        return {lane: self._view(self._total, lane) for lane in lanes}

    @staticmethod
    def _view(counts: Counts, lane: str) -> dict[str, int]:
        view = {outcome: counts[lane, outcome] for outcome in OUTCOMES}
        view["total"] = sum(view.values())
        return view

    def _roll(self) -> None:
        now = self._clock()
        if now >= self._next_day:
            self._day_start = start_of_local_day(now)
            self._next_day = _next_local_day(self._day_start)
            self._today.clear()
