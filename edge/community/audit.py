"""Manual registrations, audited as overrides are (who, when, why, on which lane), and the
gateway's audit trail: overrides and manual registrations together, newest first."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def record_manual(
    db: sqlite_utils.Database,
    *,
    decision_key: str,
    lane: str,
    at: float,
    user: str,
    category: str,
    reason: str,
    outcome: str,
    member_id: int | None,
    name: str,
    id_last4: str,
) -> int:
    cur = db.execute(
        "INSERT INTO manual_registrations (decision_key, lane, at, user, category, reason,"
        " outcome, member_id, name, id_last4) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (decision_key, lane, at, user, category, reason, outcome, member_id, name, id_last4),
    )
    return int(cur.lastrowid or 0)


def list_manual(db: sqlite_utils.Database, limit: int = 500) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT r.id, r.decision_key, s.id AS screening_id, r.lane, r.at, r.user,"
            " r.category, r.reason, r.outcome, r.name, r.id_last4 FROM manual_registrations r"
            " LEFT JOIN screenings s ON s.decision_key = r.decision_key"
            " ORDER BY r.id DESC LIMIT ?",
            [limit],
        )
    )


def audit_trail(db: sqlite_utils.Database, limit: int = 500) -> list[dict[str, Any]]:
    """Overrides and manual registrations, newest first: what staff decided, not the policy."""
    return list(
        db.query(
            "SELECT 'override' AS kind, o.at, o.user, o.reason, s.lane, o.screening_id,"
            " o.before, o.after, NULL AS category FROM overrides o"
            " JOIN screenings s ON s.id = o.screening_id"
            " UNION ALL"
            " SELECT 'manual' AS kind, r.at, r.user, r.reason, r.lane, s.id, NULL, r.outcome,"
            " r.category FROM manual_registrations r"
            " LEFT JOIN screenings s ON s.decision_key = r.decision_key"
            " ORDER BY at DESC LIMIT ?",
            [limit],
        )
    )


def purge_personal(db: sqlite_utils.Database, older_than: float) -> int:
    return db.execute(
        "UPDATE manual_registrations SET name = '', id_last4 = '', personal_purged = 1"
        " WHERE at < ? AND personal_purged = 0",
        [older_than],
    ).rowcount
