"""Reads and writes of the storeroom tables: plain functions of a ``sqlite_utils.Database``.

The service hands the writers to the store's single writer thread (``store.submit``/``write``)
and the readers to ``store.read``; nothing here keeps state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import sqlite_utils

from edge.storeroom.alerts import Alert, AlertKind, AlertState

Write = Callable[[sqlite_utils.Database], Any]


def save_stock(
    item: str, on_hand: float | None, on_order: float, offset_kg: float, at: float
) -> Write:
    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT INTO storeroom_stock (item, on_hand, on_order, offset_kg, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (item) DO UPDATE SET on_hand = excluded.on_hand,"
            " on_order = excluded.on_order, offset_kg = excluded.offset_kg,"
            " updated_at = excluded.updated_at",
            (item, on_hand, on_order, offset_kg, at),
        )

    return write


def add_history(item: str, at: float, on_hand: float, cause: str) -> Write:
    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT INTO storeroom_stock_history (item, at, on_hand, cause) VALUES (?, ?, ?, ?)",
            (item, at, on_hand, cause),
        )

    return write


def save_daily_use(item: str, day: int, used: float) -> Write:
    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT INTO storeroom_daily_use (item, day, used) VALUES (?, ?, ?)"
            " ON CONFLICT (item, day) DO UPDATE SET used = excluded.used",
            (item, day, used),
        )

    return write


def add_reading(sensor: str, at: float, value: float, value2: float | None) -> Write:
    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT INTO storeroom_readings (sensor, at, value, value2) VALUES (?, ?, ?, ?)",
            (sensor, at, value, value2),
        )

    return write


def add_sensor_event(sensor: str, at: float, state: str, reason: str) -> Write:
    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT INTO storeroom_sensor_events (sensor, at, state, reason) VALUES (?, ?, ?, ?)",
            (sensor, at, state, reason),
        )

    return write


def add_row(table: str, row: dict[str, Any]) -> Write:
    """Append a manual record (count, delivery, order); returns its id."""
    assert table in {"storeroom_counts", "storeroom_deliveries", "storeroom_orders"}

    def write(db: sqlite_utils.Database) -> int:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))  # noqa: S608 - fixed table names
        return int(cursor.lastrowid or 0)

    return write


_ALERT_COLUMNS = [f.name for f in dataclasses.fields(Alert)]


def save_alert(alert: Alert) -> Write:
    def write(db: sqlite_utils.Database) -> None:
        values = [getattr(alert, c) for c in _ALERT_COLUMNS]
        values = [str(v) if isinstance(v, AlertKind | AlertState) else v for v in values]
        cols = ", ".join(_ALERT_COLUMNS)
        marks = ", ".join("?" for _ in _ALERT_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _ALERT_COLUMNS[1:])
        db.execute(
            f"INSERT INTO storeroom_alerts ({cols}) VALUES ({marks})"  # noqa: S608 - fixed columns
            f" ON CONFLICT (alert_id) DO UPDATE SET {updates}",
            values,
        )

    return write


def alert_from_row(row: dict[str, Any]) -> Alert:
    values = {c: row[c] for c in _ALERT_COLUMNS}
    values["kind"] = AlertKind(values["kind"])
    values["state"] = AlertState(values["state"])
    return Alert(**values)


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """What the service needs at start-up."""

    stock: dict[str, dict[str, Any]]
    open_alerts: list[Alert]
    episodes: dict[str, int]
    daily_use: dict[str, dict[int, float]]


def load_snapshot(db: sqlite_utils.Database, since_day: int) -> Snapshot:
    stock = {r["item"]: r for r in db.query("SELECT * FROM storeroom_stock")}
    open_alerts = [
        alert_from_row(r)
        for r in db.query("SELECT * FROM storeroom_alerts WHERE state != 'resolved'")
    ]
    episodes = {
        f"{r['kind']}:{r['subject']}": r["n"]
        for r in db.query(
            "SELECT kind, subject, count(*) AS n FROM storeroom_alerts GROUP BY kind, subject"
        )
    }
    daily: dict[str, dict[int, float]] = {}
    for r in db.query(
        "SELECT item, day, used FROM storeroom_daily_use WHERE day >= ?", [since_day]
    ):
        daily.setdefault(r["item"], {})[r["day"]] = r["used"]
    return Snapshot(stock, open_alerts, episodes, daily)


def query_alerts(db: sqlite_utils.Database, *, include_resolved: bool, limit: int) -> list[Alert]:
    where = "" if include_resolved else "WHERE state != 'resolved'"
    return [
        alert_from_row(r)
        for r in db.query(
            f"SELECT * FROM storeroom_alerts {where} ORDER BY updated_at DESC LIMIT ?",  # noqa: S608
            [limit],
        )
    ]


def query_trend(db: sqlite_utils.Database, item: str, since: float) -> list[tuple[float, float]]:
    """Stock of ``item`` since ``since``, starting with the value in force at ``since``."""
    before = list(
        db.query(
            "SELECT at, on_hand FROM storeroom_stock_history WHERE item = ? AND at < ?"
            " ORDER BY at DESC LIMIT 1",
            [item, since],
        )
    )
    rows = db.query(
        "SELECT at, on_hand FROM storeroom_stock_history WHERE item = ? AND at >= ? ORDER BY at",
        [item, since],
    )
    points = [(since, before[0]["on_hand"])] if before else []
    points.extend((r["at"], r["on_hand"]) for r in rows)
    return points


def query_alerts_since(db: sqlite_utils.Database, updated_after: float, limit: int) -> list[Alert]:
    """Alerts changed after ``updated_after``, oldest change first (for the uplink's outbox)."""
    return [
        alert_from_row(r)
        for r in db.query(
            "SELECT * FROM storeroom_alerts WHERE updated_at > ? ORDER BY updated_at LIMIT ?",
            [updated_after, limit],
        )
    ]
