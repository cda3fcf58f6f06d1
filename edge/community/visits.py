"""Visits registered ahead by staff: host household, visitor, reason and a validity window.

The visitor's name is personal data: it is purged after the retention period, as resident
ids are, and it never leaves the gateway (the centre counts visits, not visitors).
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlite_utils

from edge.community.errors import InvalidInputError, NotFoundError
from edge.community.importer import address_label
from edge.community.registry import HOUSEHOLD
from edge.core.words import N_

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
BAD_WINDOW = N_("a visit must end after it starts, and last at most {days} days")
VISIT = N_("no visit {id}")
ALREADY_CANCELLED = N_("visit {id} is already cancelled")


def new_visit_id() -> str:
    return secrets.token_urlsafe(9)


def add_visit(
    db: sqlite_utils.Database,
    *,
    household_id: int,
    name: str,
    reason: str,
    valid_from: float,
    valid_until: float,
    max_days: float,
    user: str,
    now: float,
    visit_id: str,
    pass_text: str,
) -> int:
    if not 0 < valid_until - valid_from <= max_days * 86400:
        raise InvalidInputError(BAD_WINDOW.format(days=f"{max_days:g}"))
    if not db.execute("SELECT 1 FROM households WHERE id = ?", [household_id]).fetchone():
        raise NotFoundError(HOUSEHOLD.format(id=household_id))
    cur = db.execute(
        "INSERT INTO visits (visit_id, household_id, name, reason, valid_from, valid_until,"
        " created_by, created_at, pass_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (visit_id, household_id, name, reason, valid_from, valid_until, user, now, pass_text),
    )
    db.execute(
        "INSERT INTO community_state (name, value) VALUES ('registry_rev', '1')"
        " ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )
    return int(cur.lastrowid or 0)


def cancel_visit(db: sqlite_utils.Database, visit_id: str, user: str, now: float) -> None:
    row = db.execute("SELECT cancelled_at FROM visits WHERE visit_id = ?", [visit_id]).fetchone()
    if row is None:
        raise NotFoundError(VISIT.format(id=visit_id))
    if row[0] is not None:
        raise InvalidInputError(ALREADY_CANCELLED.format(id=visit_id))
    db.execute(
        "UPDATE visits SET cancelled_at = ?, cancelled_by = ? WHERE visit_id = ?",
        (now, user, visit_id),
    )
    db.execute(
        "INSERT INTO community_state (name, value) VALUES ('registry_rev', '1')"
        " ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


def list_visits(
    db: sqlite_utils.Database, *, since: float, limit: int = 200
) -> list[dict[str, Any]]:
    rows = db.query(
        "SELECT v.visit_id, v.household_id, h.building, h.unit, h.room, v.name, v.reason,"
        " v.valid_from, v.valid_until, v.created_by, v.created_at, v.cancelled_at,"
        " v.cancelled_by, v.pass_text FROM visits v JOIN households h ON h.id = v.household_id"
        " WHERE v.valid_until >= ? ORDER BY v.valid_from DESC LIMIT ?",
        [since, limit],
    )
    out = []
    for r in rows:
        r["household"] = address_label(r.pop("building"), r.pop("unit"), r.pop("room"))
        out.append(r)
    return out


def get_visit(db: sqlite_utils.Database, visit_id: str) -> dict[str, Any]:
    for row in list_visits(db, since=0, limit=1_000_000):
        if row["visit_id"] == visit_id:
            return row
    raise NotFoundError(VISIT.format(id=visit_id))


def purge_personal(db: sqlite_utils.Database, older_than: float) -> int:
    """Forget the names of visits that ended before ``older_than``, and their pass texts."""
    return db.execute(
        "UPDATE visits SET name = '', pass_text = NULL, personal_purged = 1"
        " WHERE valid_until < ? AND personal_purged = 0",
        [older_than],
    ).rowcount
