"""The community's alerts: lanes with nobody on duty, and residents out past their return time.

Every transition (opened, revised, resolved) is written to ``community_alert_log``; the uplink
follows that table from a cursor of its own (:func:`alert_feed`, as the storeroom's alerts
reach it: issue 12.8), so an alert reaches the centre however busy the bus was, after a
restart, and beside a storeroom whose alerts are fed from its tables too. At start the alerts
still open are read back (:func:`open_alerts`), so a restart neither forgets one nor raises
it twice.

A resident out late is raised at the centre as one count per gateway, never by name or
address: who is out, and since when, is on the gateway's duty page only (:func:`out_late`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.core.events import AlertChanged
from edge.core.feeds import AlertLogFeed
from edge.core.words import N_

OUT_LATE_KIND = "out-late"
OUT_LATE_SUBJECT = "household-return"

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
OUT_LATE_ONE = N_("1 resident is out past the time they were due back")
OUT_LATE_MANY = N_("{n} residents are out past the time they were due back")
ALL_BACK = N_("no resident is out past the time they were due back")


def out_late_message(n: int) -> str:
    return OUT_LATE_ONE if n == 1 else OUT_LATE_MANY.format(n=n)


@dataclass(frozen=True, slots=True)
class OutLate:
    """A member whose exit has no return yet, past the time the policy gives."""

    member_id: int
    household_id: int
    out_since: float
    due: float


def out_late(
    still_out: Iterable[tuple[int, int, float]], members: set[int], within_s: float, now: float
) -> list[OutLate]:
    """Of ``(member, household, exit time)``, those still registered and due back before
    ``now``, the longest out first."""
    found = [
        OutLate(member, household, at, at + within_s)
        for member, household, at in still_out
        if member in members and at + within_s < now
    ]
    found.sort(key=lambda o: o.out_since)
    return found


def log_statement(alert: AlertChanged) -> tuple[str, tuple[Any, ...]]:
    """The statement that logs ``alert``'s transition (run by the store's writer)."""
    return (
        "INSERT INTO community_alert_log (alert_id, kind, subject, severity, state, message,"
        " changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (alert.alert_id, alert.kind, alert.subject, alert.severity, alert.state, alert.message,
         alert.at),
    )  # fmt: skip


def open_alerts(db: sqlite_utils.Database) -> list[AlertChanged]:
    """The alerts whose latest transition leaves them open, oldest first."""
    rows = db.execute(
        "SELECT l.alert_id, l.kind, l.subject, l.severity, l.state, l.message, l.changed_at"
        " FROM community_alert_log l JOIN (SELECT alert_id, MAX(seq) AS seq"
        " FROM community_alert_log GROUP BY alert_id) last ON last.seq = l.seq"
        " WHERE l.state != 'resolved' ORDER BY l.seq"
    ).fetchall()
    return [AlertChanged(*row) for row in rows]


def purge_log(db: sqlite_utils.Database, older_than: float) -> int:
    """Forget transitions older than ``older_than``, but the latest of an alert still open
    (a restart reads it back). The uplink will long have sent them."""
    return db.execute(
        "DELETE FROM community_alert_log WHERE changed_at < ? AND seq NOT IN"
        " (SELECT l.seq FROM community_alert_log l JOIN (SELECT alert_id, MAX(seq) AS seq"
        " FROM community_alert_log GROUP BY alert_id) last ON last.seq = l.seq"
        " WHERE l.state != 'resolved')",
        [older_than],
    ).rowcount


def alert_feed() -> AlertLogFeed:
    """The uplink's view of ``community_alert_log`` (stream ``alert``)."""
    return AlertLogFeed("community-alerts", "community_alert_log")
