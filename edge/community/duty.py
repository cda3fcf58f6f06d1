"""Who is on duty at which lane: shifts signed in and out, handover notes, unstaffed lanes.

Open shifts are kept in memory (the lanes ask on every decision who is on duty) and written
through the store; at start the open shifts are read back, so a restart keeps who is on duty.
A lane whose devices are connected while nobody is signed in for
``unstaffed_alert_after_s`` raises an alert (:class:`edge.core.events.AlertChanged`, sent to
the centre by the uplink); it resolves when someone signs in or the lane's devices go quiet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.community.errors import InvalidInputError
from edge.core.events import AlertChanged
from edge.core.words import N_

ALERT_KIND = "unstaffed-lane"

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
UNSTAFFED = N_("lane {lane} has devices working and nobody signed in for duty")
STAFFED_AGAIN = N_("lane {lane}: {users} signed in")
QUIET_AGAIN = N_("lane {lane}: its devices are quiet")
ALREADY_ON = N_("{user} is already on duty at lane {lane}")
NOT_ON = N_("{user} is not on duty at lane {lane}")


@dataclass(frozen=True, slots=True)
class Shift:
    id: int
    lane: str
    user: str
    started_at: float


def open_shifts(db: sqlite_utils.Database) -> list[Shift]:
    return [
        Shift(*row)
        for row in db.execute(
            "SELECT id, lane, user, started_at FROM shifts WHERE ended_at IS NULL ORDER BY id"
        )
    ]


def start_shift(db: sqlite_utils.Database, lane: str, user: str, at: float) -> Shift:
    if db.execute(
        "SELECT 1 FROM shifts WHERE lane = ? AND user = ? AND ended_at IS NULL", [lane, user]
    ).fetchone():
        raise InvalidInputError(ALREADY_ON.format(user=user, lane=lane))
    cur = db.execute(
        "INSERT INTO shifts (lane, user, started_at) VALUES (?, ?, ?)", (lane, user, at)
    )
    return Shift(int(cur.lastrowid or 0), lane, user, at)


def end_shift(db: sqlite_utils.Database, lane: str, user: str, at: float, note: str) -> int:
    row = db.execute(
        "SELECT id FROM shifts WHERE lane = ? AND user = ? AND ended_at IS NULL", [lane, user]
    ).fetchone()
    if row is None:
        raise InvalidInputError(NOT_ON.format(user=user, lane=lane))
    db.execute("UPDATE shifts SET ended_at = ?, handover_note = ? WHERE id = ?", (at, note, row[0]))
    return int(row[0])


def shifts_between(db: sqlite_utils.Database, start: float, end: float) -> list[dict[str, Any]]:
    """Shifts that overlap ``[start, end)``, oldest first."""
    return list(
        db.query(
            "SELECT id, lane, user, started_at, ended_at, handover_note FROM shifts"
            " WHERE started_at < ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY started_at",
            [end, start],
        )
    )


def last_handover(db: sqlite_utils.Database, lane: str) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT user, ended_at, handover_note FROM shifts WHERE lane = ?"
            " AND ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT 1",
            [lane],
        )
    )
    return rows[0] if rows else None


class DutyRoster:
    """Open shifts per lane (memory), and the unstaffed-lane alert of each lane."""

    def __init__(self, lanes: Iterable[str], alert_after_s: float) -> None:
        self.lanes = list(lanes)
        self._open: dict[str, list[Shift]] = {lane: [] for lane in self.lanes}
        self._alert_after_s = alert_after_s
        self._unstaffed_since: dict[str, float] = {}
        self._alerts: dict[str, AlertChanged] = {}  # open alerts by lane

    def load(self, shifts: list[Shift]) -> None:
        self._open = {lane: [] for lane in self.lanes}
        for shift in shifts:
            self._open.setdefault(shift.lane, []).append(shift)

    def started(self, shift: Shift) -> None:
        self._open.setdefault(shift.lane, []).append(shift)

    def ended(self, lane: str, user: str) -> None:
        self._open[lane] = [s for s in self._open.get(lane, []) if s.user != user]

    def on_duty(self, lane: str) -> str | None:
        shifts = self._open.get(lane)
        return ",".join(s.user for s in shifts) if shifts else None

    def shifts(self, lane: str) -> list[Shift]:
        return list(self._open.get(lane, []))

    def adopt(self, alert: AlertChanged) -> None:
        """An alert still open from before a restart: resolved or kept by the next check."""
        self._alerts[alert.subject] = alert
        self._unstaffed_since.setdefault(alert.subject, alert.at)

    def open_alert(self, lane: str) -> AlertChanged | None:
        return self._alerts.get(lane)

    def check(self, lane: str, active: bool, now: float) -> AlertChanged | None:
        """The alert change (opened or resolved) this lane's state calls for, if any."""
        staffed = bool(self._open.get(lane))
        if staffed or not active:
            self._unstaffed_since.pop(lane, None)
            alert = self._alerts.pop(lane, None)
            if alert is None:
                return None
            message = (
                STAFFED_AGAIN.format(lane=lane, users=self.on_duty(lane))
                if staffed
                else QUIET_AGAIN.format(lane=lane)
            )
            return AlertChanged(
                alert.alert_id, ALERT_KIND, lane, "warning", "resolved", message, now
            )
        since = self._unstaffed_since.setdefault(lane, now)
        if lane in self._alerts or now - since < self._alert_after_s:
            return None
        alert = AlertChanged(
            f"{ALERT_KIND}:{lane}:{int(since)}",
            ALERT_KIND,
            lane,
            "warning",
            "open",
            UNSTAFFED.format(lane=lane),
            now,
        )
        self._alerts[lane] = alert
        return alert
