"""Reads and writes of screenings, overrides and device events.

Write functions take a ``sqlite_utils.Database`` and are meant to run inside
:meth:`edge.core.store.Store.write`; read functions inside :meth:`~edge.core.store.Store.read`.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

import sqlite_utils


@dataclass(frozen=True, slots=True)
class NewScreening:
    key: str  # the decision's own id (unique): recording it twice makes one row
    lane: str
    decided_at: float
    outcome: str
    reason: str
    rule: str
    policy_version: str
    temperature: float | None
    code_type: str | None
    code_status: str | None
    code_valid: bool | None
    failed_step: str | None
    complete: bool
    resident_id: str | None  # personal: purged after the retention period
    raw_code: str | None  # personal: purged after the retention period
    on_duty: str | None = None  # the staff signed in to the lane, comma-separated


def insert_screening(db: sqlite_utils.Database, s: NewScreening) -> int:
    """Record ``s`` (once: a second call with the same key returns the first row's id)."""
    db.execute(
        "INSERT INTO screenings (decision_key, lane, decided_at, outcome, reason, rule,"
        " policy_version, temperature, code_type, code_status, code_valid, failed_step, complete,"
        " resident_id, raw_code, on_duty) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (decision_key) DO NOTHING",
        (
            s.key,
            s.lane,
            s.decided_at,
            s.outcome,
            s.reason,
            s.rule,
            s.policy_version,
            s.temperature,
            s.code_type,
            s.code_status,
            None if s.code_valid is None else int(s.code_valid),
            s.failed_step,
            int(s.complete),
            s.resident_id,
            s.raw_code,
            s.on_duty,
        ),
    )
    row = db.execute("SELECT id FROM screenings WHERE decision_key = ?", [s.key]).fetchone()
    return int(row[0])


_SCREENING_COLUMNS = (
    "s.id, COALESCE(s.decision_key, 'id-' || s.id) AS decision_key, s.lane, s.decided_at,"
    " s.outcome, s.reason, s.rule, s.temperature, s.code_type,"
    " s.code_status, s.complete, s.overridden_to, s.on_duty,"
    " (SELECT user FROM overrides o WHERE o.screening_id = s.id ORDER BY o.id DESC LIMIT 1)"
    " AS override_user,"
    " (SELECT reason FROM overrides o WHERE o.screening_id = s.id ORDER BY o.id DESC LIMIT 1)"
    " AS override_reason"
)


def get_screening(db: sqlite_utils.Database, screening_id: int) -> dict[str, Any] | None:
    rows = list(
        db.query(f"SELECT {_SCREENING_COLUMNS} FROM screenings s WHERE s.id = ?", [screening_id])  # noqa: S608
    )
    return rows[0] if rows else None


def list_screenings(
    db: sqlite_utils.Database, *, lane: str | None, limit: int, before_id: int | None
) -> list[dict[str, Any]]:
    where: list[str] = ["1=1"]
    params: list[str | int] = []
    if lane is not None:
        where.append("s.lane = ?")
        params.append(lane)
    if before_id is not None:
        where.append("s.id < ?")
        params.append(before_id)
    sql = (
        f"SELECT {_SCREENING_COLUMNS} FROM screenings s WHERE {' AND '.join(where)}"  # noqa: S608
        " ORDER BY s.id DESC LIMIT ?"
    )
    return list(db.query(sql, [*params, limit]))


def record_override(
    db: sqlite_utils.Database,
    *,
    screening_id: int,
    at: float,
    user: str,
    reason: str,
    before: str,
    after: str,
) -> None:
    db.execute(
        "INSERT INTO overrides (screening_id, at, user, reason, before, after)"
        " VALUES (?,?,?,?,?,?)",
        (screening_id, at, user, reason, before, after),
    )
    db.execute("UPDATE screenings SET overridden_to = ? WHERE id = ?", (after, screening_id))


def list_overrides(db: sqlite_utils.Database, screening_id: int | None) -> list[dict[str, Any]]:
    if screening_id is None:
        return list(db.query("SELECT * FROM overrides ORDER BY id DESC LIMIT 500"))
    return list(
        db.query("SELECT * FROM overrides WHERE screening_id = ? ORDER BY id DESC", [screening_id])
    )


def outcome_counts(
    db: sqlite_utils.Database, since: float, before: float
) -> collections.Counter[tuple[str, str]]:
    """``(lane, outcome in force) -> decisions`` decided in ``[since, before)``."""
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for row in db.query(
        "SELECT lane, COALESCE(overridden_to, outcome) AS outcome, COUNT(*) AS n"
        " FROM screenings WHERE decided_at >= ? AND decided_at < ? GROUP BY 1, 2",
        [since, before],
    ):
        counts[row["lane"], row["outcome"]] = row["n"]
    return counts


def record_device_event(
    db: sqlite_utils.Database,
    *,
    device: str,
    at: float,
    kind: str,
    state: str | None,
    reason: str,
    count: int = 1,
    sample: str | None = None,
) -> None:
    db.execute(
        "INSERT INTO device_events (device, at, kind, state, reason, count, sample)"
        " VALUES (?,?,?,?,?,?,?)",
        (device, at, kind, state, reason, count, sample),
    )


def purge_personal(db: sqlite_utils.Database, older_than: float) -> int:
    """Forget resident ids and raw codes decided before ``older_than``; keep the counts."""
    cur = db.execute(
        "UPDATE screenings SET resident_id = NULL, raw_code = NULL, personal_purged = 1"
        " WHERE decided_at < ? AND personal_purged = 0",
        [older_than],
    )
    return cur.rowcount
