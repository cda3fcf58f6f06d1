"""The screenings on record: recording decisions, reading them back, and overriding them.

Every read runs on the store's reader threads (:meth:`edge.core.store.Store.read`), never on
the event loop that runs the lanes. A decision is announced on the bus only after its row is
committed, so what the page shows is on record.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import sqlite_utils

from edge.checkpoint import queries as q
from edge.checkpoint.counters import DecisionCounts
from edge.checkpoint.service import InvalidRequestError, ScreeningNotFoundError, ScreeningView
from edge.core.bus import Bus
from edge.core.events import DecisionOverridden, Outcome, ScreeningDecided
from edge.core.store import Store

log = logging.getLogger(__name__)

MAX_PAGE = 500


def _view(row: dict[str, Any]) -> ScreeningView:
    decided = Outcome(row["outcome"])
    return ScreeningView(
        id=row["id"],
        lane=row["lane"],
        decided_at=row["decided_at"],
        outcome=Outcome(row["overridden_to"]) if row["overridden_to"] else decided,
        decided_outcome=decided,
        reason=row["reason"],
        rule=row["rule"],
        temperature=row["temperature"],
        code_type=row["code_type"],
        code_status=row["code_status"],
        complete=bool(row["complete"]),
        override_user=row["override_user"],
        override_reason=row["override_reason"],
    )


class ScreeningRecords:
    def __init__(self, store: Store, bus: Bus, clock: Callable[[], float]) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self.counts = DecisionCounts(clock)
        self.recorded = 0

    async def load_counts(self) -> None:
        """Seed today's and all-time counts from the database (once, at start-up)."""
        day_start = self.counts.day_start

        def read(db: sqlite_utils.Database) -> tuple[Any, Any]:
            return q.outcome_counts(db, 0.0), q.outcome_counts(db, day_start)

        total, today = await self._store.read(read)
        self.counts.load(total, today, day_start)

    # -- writes -----------------------------------------------------------------------------
    async def record(self, record: q.NewScreening) -> int:
        """Commit a decision, count it, then announce it."""
        outcome = Outcome(record.outcome)
        screening_id = await self._store.write(lambda db: q.insert_screening(db, record))
        self.recorded += 1
        self.counts.decided(record.lane, outcome.value, record.decided_at)
        self._bus.publish(
            ScreeningDecided(
                screening_id=screening_id,
                lane=record.lane,
                at=record.decided_at,
                outcome=outcome,
                reason=record.reason,
                rule=record.rule,
                temperature=record.temperature,
                code_type=record.code_type,
                code_status=record.code_status,
                complete=record.complete,
            )
        )
        return screening_id

    async def override(
        self, screening_id: int, *, user: str, outcome: Outcome, reason: str
    ) -> ScreeningView:
        reason = reason.strip()
        if not reason:
            raise InvalidRequestError("an override needs a reason")
        at = self._clock()

        def write(db: sqlite_utils.Database) -> tuple[str, str, float]:
            row = q.get_screening(db, screening_id)
            if row is None:
                raise ScreeningNotFoundError(screening_id)
            before = row["overridden_to"] or row["outcome"]
            if before == outcome.value:
                raise InvalidRequestError(f"the decision is already {before}")
            q.record_override(
                db,
                screening_id=screening_id,
                at=at,
                user=user,
                reason=reason,
                before=before,
                after=outcome.value,
            )
            return before, row["lane"], row["decided_at"]

        before, lane, decided_at = await self._store.write(write)
        log.info("override of screening %s by %s: %s -> %s", screening_id, user, before, outcome)
        self.counts.overridden(lane, before, outcome.value, decided_at)
        self._bus.publish(
            DecisionOverridden(screening_id, lane, at, user, Outcome(before), outcome, reason)
        )
        return await self.get(screening_id)

    async def purge_personal(self, older_than: float) -> int:
        return await self._store.write(functools.partial(q.purge_personal, older_than=older_than))

    # -- reads ------------------------------------------------------------------------------
    async def latest(
        self, *, lane: str | None = None, limit: int = 50, before_id: int | None = None
    ) -> list[ScreeningView]:
        limit = max(1, min(limit, MAX_PAGE))
        rows = await self._store.read(
            lambda db: q.list_screenings(db, lane=lane, limit=limit, before_id=before_id)
        )
        return [_view(r) for r in rows]

    async def get(self, screening_id: int) -> ScreeningView:
        row = await self._store.read(lambda db: q.get_screening(db, screening_id))
        if row is None:
            raise ScreeningNotFoundError(screening_id)
        return _view(row)

    async def overrides(self, screening_id: int | None = None) -> list[dict[str, Any]]:
        return await self._store.read(lambda db: q.list_overrides(db, screening_id))
