"""Decisions in force per lane, today and since the database began, kept as they are made.

The page's lane counts, ``/healthz`` and ``/metrics`` read these from memory; nothing
recomputes them from the screenings table per request or per scrape. Two parts add up: what the
database holds from before this run started (loaded once, or when the storage comes back after
a start without it), and what this run decided, counted the moment each decision is made,
recorded yet or not.
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
        self.started_at = clock()
        self._day_start = start_of_local_day(self.started_at)
        self._next_day = _next_local_day(self._day_start)
        # from the database: decided before this run started
        self._before_today: Counts = collections.Counter()
        self._before_total: Counts = collections.Counter()
        # decided by this run
        self._today: Counts = collections.Counter()
        self._total: Counts = collections.Counter()

    @property
    def day_start(self) -> float:
        self._roll()
        return self._day_start

    def load(self, total: Counts, today: Counts, day_start: float) -> None:
        """What the database holds from before :attr:`started_at` (``today`` from ``day_start``)."""
        self._before_total = collections.Counter(total)
        self._before_today = (
            collections.Counter(today) if day_start == self._day_start else Counts()
        )
        self._roll()

    def decided(self, lane: str, outcome: str, at: float) -> None:
        self._roll()
        self._total[lane, outcome] += 1
        if at >= self._day_start:
            self._today[lane, outcome] += 1

    def overridden(self, lane: str, before: str, after: str, decided_at: float) -> None:
        self._roll()
        this_run = decided_at >= self.started_at
        total = self._total if this_run else self._before_total
        today = self._today if this_run else self._before_today
        for counts, applies in ((total, True), (today, decided_at >= self._day_start)):
            if applies:
                counts[lane, before] -= 1
                counts[lane, after] += 1

    def today(self, lane: str) -> dict[str, int]:
        self._roll()
        return self._view(self._before_today + self._today, lane)

    def totals(self) -> dict[str, dict[str, int]]:
        both = self._before_total + self._total
        lanes = sorted({lane for lane, _ in both})
        return {lane: self._view(both, lane) for lane in lanes}

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
            self._before_today.clear()
