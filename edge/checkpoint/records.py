"""The screenings on record: announcing decisions, recording them, reading them back, overriding.

A decision is announced the moment it is made (:class:`ScreeningDecided`), then recorded through
the store's single writer and announced again when committed (:class:`ScreeningRecorded`), so
the page never waits for the disk. When the storage cannot take it (full, read-only, failing),
the decision waits in memory, the page is told (:class:`ScreeningNotRecorded`), and it is
recorded when the storage is back; only if more than ``keep_unrecorded`` pile up are the oldest
given up, and that too is said. Reads run on the store's reader threads, never on the loop.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import itertools
import logging
import secrets
from collections.abc import Callable
from typing import Any

import sqlite_utils

from edge.checkpoint import queries as q
from edge.checkpoint.counters import DecisionCounts
from edge.checkpoint.service import InvalidRequestError, ScreeningNotFoundError, ScreeningView
from edge.core.bus import Bus
from edge.core.events import (
    DecisionOverridden,
    Outcome,
    ScreeningDecided,
    ScreeningNotRecorded,
    ScreeningRecorded,
)
from edge.core.storage_health import StorageUnavailableError
from edge.core.store import Store
from edge.core.words import N_

log = logging.getLogger(__name__)

MAX_PAGE = 500
NOT_RECORDED = N_("not recorded yet: the storage is not working; kept until it is")
NEEDS_REASON = N_("an override needs a reason")
ALREADY = N_("the decision is already {outcome}")
GIVEN_UP = N_("not recorded: too many decisions waited for the storage; the oldest was dropped")


def _view(row: dict[str, Any]) -> ScreeningView:
    decided = Outcome(row["outcome"])
    return ScreeningView(
        id=row["id"],
        key=row["decision_key"],
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
        on_duty=row.get("on_duty"),
    )


class ScreeningRecords:
    def __init__(
        self, store: Store, bus: Bus, clock: Callable[[], float], *, keep_unrecorded: int = 10_000
    ) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self.counts = DecisionCounts(clock)
        self.recorded = 0
        self.given_up = 0
        self._keys = (f"{secrets.token_hex(4)}-{n}" for n in itertools.count(1))
        self._unrecorded: collections.OrderedDict[str, q.NewScreening] = collections.OrderedDict()
        self._keep = keep_unrecorded
        self._retrying = False

    @property
    def unrecorded(self) -> int:
        """Decisions shown but not recorded yet (waiting for the storage)."""
        return len(self._unrecorded)

    async def load_counts(self) -> bool:
        """Add what the database holds from before this run to the counts; False if it can't."""
        counts = self.counts
        day_start, started = counts.day_start, counts.started_at

        def read(db: sqlite_utils.Database) -> tuple[Any, Any]:
            return (
                q.outcome_counts(db, 0.0, started),
                q.outcome_counts(db, day_start, started),
            )

        try:
            total, today = await self._store.read(read)
        except Exception as exc:  # the storage is not there yet: counts of this run only
            log.warning("decision counts from before this run not loaded: %s", exc)
            return False
        counts.load(total, today, day_start)
        return True

    # -- deciding and recording -------------------------------------------------------------
    def new_key(self) -> str:
        return next(self._keys)

    def decided(self, record: q.NewScreening) -> asyncio.Task[None]:
        """Count and announce a decision now; record it in a task of its own."""
        outcome = Outcome(record.outcome)
        self.counts.decided(record.lane, outcome.value, record.decided_at)
        self._bus.publish(
            ScreeningDecided(
                key=record.key,
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
        return asyncio.get_running_loop().create_task(self._record(record))

    async def _record(self, record: q.NewScreening) -> None:
        try:
            screening_id = await self._store.write(functools.partial(q.insert_screening, s=record))
        except Exception as exc:
            if not isinstance(exc, StorageUnavailableError):
                log.exception("could not record a screening on lane %s", record.lane)
            self._keep_unrecorded(record)
            return
        self._announce_recorded(record, screening_id)

    def _announce_recorded(self, record: q.NewScreening, screening_id: int) -> None:
        self.recorded += 1
        self._bus.publish(
            ScreeningRecorded(record.key, screening_id, record.lane, record.decided_at)
        )

    def _keep_unrecorded(self, record: q.NewScreening) -> None:
        if record.key not in self._unrecorded:
            self._unrecorded[record.key] = record
            self._bus.publish(ScreeningNotRecorded(record.key, record.lane, NOT_RECORDED, True))
        while len(self._unrecorded) > self._keep:
            _key, oldest = self._unrecorded.popitem(last=False)
            self.given_up += 1
            log.error("decision %s on lane %s dropped unrecorded", oldest.key, oldest.lane)
            self._bus.publish(ScreeningNotRecorded(oldest.key, oldest.lane, GIVEN_UP, False))

    async def retry_unrecorded(self) -> int:
        """Record what waited for the storage, oldest first; return how many were recorded."""
        if not self._unrecorded or self._retrying:
            return 0
        self._retrying = True
        done = 0
        try:
            for key, record in list(self._unrecorded.items()):
                try:
                    screening_id = await self._store.write(
                        functools.partial(q.insert_screening, s=record)
                    )
                except Exception:
                    break  # still no storage: try again later, in the same order
                self._unrecorded.pop(key, None)
                self._announce_recorded(record, screening_id)
                done += 1
        finally:
            self._retrying = False
        if done:
            log.info("%d decisions recorded after the storage came back", done)
        return done

    async def override(
        self, screening_id: int, *, user: str, outcome: Outcome, reason: str
    ) -> ScreeningView:
        reason = reason.strip()
        if not reason:
            raise InvalidRequestError(NEEDS_REASON)
        at = self._clock()

        def write(db: sqlite_utils.Database) -> tuple[str, str, float]:
            row = q.get_screening(db, screening_id)
            if row is None:
                raise ScreeningNotFoundError(screening_id)
            before = row["overridden_to"] or row["outcome"]
            if before == outcome.value:
                raise InvalidRequestError(ALREADY.format(outcome=before))
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

        try:
            before, lane, decided_at = await self._store.write(write)
        except StorageUnavailableError as exc:
            raise InvalidRequestError(f"the override cannot be recorded: {exc}") from None
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
