"""Lane windows computed from the screenings table (the source of truth).

A window is ``[start, start + window_s)`` of one lane. New screenings and overrides are found by
id cursors over the store (bus events only make the uplink look sooner), their windows are
marked dirty, and a dirty window that has ended is recomputed whole and enqueued with the next
revision if its content changed. No personal data leaves: people are counted through
:class:`~cloud_sync.uplink.privacy.PersonHasher` tokens, never by id.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from typing import Any

import sqlite_utils

from cloud_sync.protocol import Stream
from cloud_sync.uplink.clock import plausible
from cloud_sync.uplink.outbox import Outgoing, dumps, get_state, iso, set_state
from cloud_sync.uplink.privacy import PersonHasher

HIST_LOW, HIST_HIGH, HIST_STEP = 34.0, 42.0, 0.1


def window_start(ts: float, window_s: int) -> float:
    return math.floor(ts / window_s) * window_s


def window_key(lane: str, start: float) -> str:
    return f"{lane}/{iso(start)}"


def temperature_bucket(celsius: float) -> str:
    if celsius < HIST_LOW:
        return f"<{HIST_LOW:.1f}"
    if celsius >= HIST_HIGH:
        return f">={HIST_HIGH:.1f}"
    return f"{math.floor(round(celsius / HIST_STEP, 6)) * HIST_STEP:.1f}"


def _mark(db: sqlite_utils.Database, marks: list[tuple[str, float]], doubt: bool) -> None:
    db.conn.executemany(
        "INSERT INTO uplink_windows (lane, start, dirty, doubt) VALUES (?, ?, 1, ?)"
        " ON CONFLICT (lane, start) DO UPDATE SET dirty = 1,"
        " doubt = MAX(doubt, excluded.doubt)",
        [(lane, start, int(doubt)) for lane, start in marks],
    )


def _has_table(db: sqlite_utils.Database, name: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
    ).fetchone()
    return row is not None


def scan(db: sqlite_utils.Database, window_s: int, since: float, doubt: bool) -> int:
    """Mark the windows of screenings and overrides not seen before; return how many rows."""
    last_id = int(get_state(db, "last_screening_id", 0))
    rows = db.execute(
        "SELECT id, lane, decided_at FROM screenings WHERE id > ? ORDER BY id LIMIT 20000",
        [last_id],
    ).fetchall()
    marks = {(lane, window_start(at, window_s)) for _id, lane, at in rows if at >= since}
    if rows:
        set_state(db, "last_screening_id", rows[-1][0])
    seen = len(rows)
    if _has_table(db, "overrides"):
        last_override = int(get_state(db, "last_override_id", 0))
        overrides = db.execute(
            "SELECT o.id, s.lane, s.decided_at FROM overrides o"
            " JOIN screenings s ON s.id = o.screening_id WHERE o.id > ? ORDER BY o.id",
            [last_override],
        ).fetchall()
        marks |= {(lane, window_start(at, window_s)) for _id, lane, at in overrides}
        if overrides:
            set_state(db, "last_override_id", overrides[-1][0])
        seen += len(overrides)
    _mark(db, sorted(marks), doubt)
    return seen


def mark_screening(
    db: sqlite_utils.Database, screening_id: int, window_s: int, doubt: bool
) -> None:
    row = db.execute(
        "SELECT lane, decided_at FROM screenings WHERE id = ?", [screening_id]
    ).fetchone()
    if row is not None:
        _mark(db, [(row[0], window_start(row[1], window_s))], doubt)


def mark_range(db: sqlite_utils.Database, window_s: int, since: float) -> None:
    """Mark every window with screenings since ``since`` (reconciliation; unchanged ones are
    recomputed but not sent again)."""
    rows = db.execute(
        "SELECT DISTINCT lane, CAST(decided_at / ? AS INTEGER) FROM screenings"
        " WHERE decided_at >= ?",
        [window_s, since],
    ).fetchall()
    _mark(db, [(lane, float(n * window_s)) for lane, n in rows], doubt=False)


def compute(
    db: sqlite_utils.Database, lane: str, start: float, window_s: int, hasher: PersonHasher
) -> dict[str, Any]:
    final: Counter[str] = Counter()
    denied_by: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    histogram: Counter[str] = Counter()
    people: set[str] = set()
    total = overrides = incomplete = manual = visitors = household_refusals = 0
    for outcome, rule, temperature, code_status, complete, resident_id, overridden_to in db.execute(
        "SELECT outcome, rule, temperature, code_status, complete, resident_id,"
        " overridden_to FROM screenings WHERE lane = ? AND decided_at >= ?"
        " AND decided_at < ?",
        [lane, start, start + window_s],
    ):
        total += 1
        outcome_now = overridden_to or outcome
        final[outcome_now] += 1
        if overridden_to is not None and overridden_to != outcome:
            overrides += 1
        if outcome_now == "DENY":
            denied_by["override" if overridden_to == "DENY" and outcome != "DENY" else rule] += 1
        if not complete:
            incomplete += 1
        if code_status:
            statuses[code_status] += 1
        if temperature is not None:
            histogram[temperature_bucket(temperature)] += 1
        if resident_id:
            people.add(hasher.token(resident_id))
        # Counted apart, by the rule that decided (no one is named): manual registrations,
        # visitors let in, and exits a household rule refused.
        if rule == "manual":
            manual += 1
        elif rule == "visitor" and outcome_now == "ADMIT":
            visitors += 1
        elif rule == "household-exit-limit":
            household_refusals += 1
    return {
        "lane": lane,
        "window_start": iso(start),
        "window_s": window_s,
        "screenings": total,
        "admitted": final["ADMIT"],
        "denied": final["DENY"],
        "rechecks": final["RECHECK"],
        "overrides": overrides,
        "incomplete": incomplete,
        "denied_by_reason": dict(sorted(denied_by.items())),
        "code_status": dict(sorted(statuses.items())),
        "temperature_histogram": dict(sorted(histogram.items())),
        "distinct_people": len(people),
        "manual": manual,
        "visitors": visitors,
        "household_refusals": household_refusals,
    }


def flush(
    db: sqlite_utils.Database,
    *,
    now: float,
    window_s: int,
    settle_s: float,
    synced: bool,
    hasher: PersonHasher,
    limit: int = 500,
) -> list[Outgoing]:
    """Recompute dirty windows that have ended; return what changed, to enqueue."""
    rows = db.execute(
        "SELECT lane, start, doubt, digest FROM uplink_windows"
        " WHERE dirty = 1 AND start + ? + ? <= ? ORDER BY start LIMIT ?",
        [window_s, settle_s, now, limit],
    ).fetchall()
    out: list[Outgoing] = []
    done: list[tuple[str | None, str, float]] = []
    for lane, start, doubt, digest in rows:
        body = compute(db, lane, start, window_s, hasher)
        new_digest = hashlib.sha256(dumps(body).encode()).hexdigest()[:24]
        if new_digest != digest:
            trusted = synced and not doubt and plausible(start)
            # Without network time a window is held back; it is sent once time is known,
            # still marked clock_synced=false, so the centre never takes it for a real date.
            out.append(
                Outgoing(
                    stream=Stream.LANE_WINDOW.value,
                    key=window_key(lane, start),
                    body=body,
                    clock_synced=trusted,
                    held=not synced,
                )
            )
        done.append((new_digest, lane, start))
    db.conn.executemany(
        "UPDATE uplink_windows SET dirty = 0, digest = ? WHERE lane = ? AND start = ?", done
    )
    return out


def requeue_evicted(db: sqlite_utils.Database, limit: int) -> int:
    """Mark up to ``limit`` evicted windows dirty again, oldest first (digest forgotten)."""
    return db.execute(
        "UPDATE uplink_windows SET evicted = 0, dirty = 1, digest = NULL WHERE rowid IN"
        " (SELECT rowid FROM uplink_windows WHERE evicted = 1 ORDER BY start LIMIT ?)",
        [limit],
    ).rowcount
