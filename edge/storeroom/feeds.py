"""What the centre hears of the storeroom, read from its tables (issue 12.8).

The uplink follows each of these from a cursor it keeps (``cloud_sync/uplink/feeds.py``), so
every alert transition, stock change and sensor fault that was committed reaches the centre,
however many come at once and across restarts; the in-memory bus only prompts it to look.

- alerts: ``storeroom_alert_log`` (each transition, written by a trigger);
- stock: ``storeroom_stock_log`` (an item whose stock or daily use changed; the body is the
  item's stock now, with its forecast made as the storeroom makes it);
- sensors: ``storeroom_sensor_events`` (faults and recoveries, as device health).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sqlite_utils

from edge.core.feeds import AlertLogFeed, Record, iso_utc
from edge.storeroom.forecast import forecast
from edge.storeroom.ledger import DAY
from edge.storeroom.settings import StoreroomSettings


class SensorFeed:
    name = "storeroom-sensors"
    streams: tuple[str, ...] = ("device-health",)

    def __init__(self, settings: StoreroomSettings) -> None:
        self.kinds = {s.key: "shelf" for s in settings.shelves} | {
            c.key: "climate" for c in settings.climate
        }

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        rows = db.execute(
            "SELECT id, sensor, at, state, reason FROM storeroom_sensor_events WHERE id > ?"
            " ORDER BY id LIMIT ?",
            [after, limit],
        ).fetchall()
        records = [
            (
                "device-health",
                sensor,
                {
                    "device": sensor,
                    "kind": self.kinds.get(sensor, "sensor"),
                    "state": "fault" if state == "fault" else "connected",
                    "reason": reason,
                    "changed_at": iso_utc(at),
                },
            )
            for _id, sensor, at, state, reason in rows
        ]
        return records, rows[-1][0] if rows else after


class StockFeed:
    name = "storeroom-stock"
    streams: tuple[str, ...] = ("stock",)

    def __init__(self, settings: StoreroomSettings, clock: Callable[[], float] = time.time) -> None:
        self.items = {i.key: i for i in settings.items}
        self.forecast = settings.forecast
        self.clock = clock

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        rows = db.execute(
            "SELECT seq, item FROM storeroom_stock_log WHERE seq > ? ORDER BY seq LIMIT ?",
            [after, limit],
        ).fetchall()
        records = []
        for item in dict.fromkeys(item for _seq, item in rows):  # each item once, in order
            body = self._body(db, item)
            if body is not None:
                records.append(("stock", item, body))
        return records, rows[-1][0] if rows else after

    def _body(self, db: sqlite_utils.Database, item: str) -> dict[str, Any] | None:
        settings = self.items.get(item)
        found = db.execute(
            "SELECT on_hand, updated_at FROM storeroom_stock WHERE item = ?", [item]
        ).fetchone()
        if settings is None or found is None or found[0] is None:
            return None  # not (or no longer) configured, or its stock is not known yet
        on_hand, updated_at = found
        now = self.clock()
        today = int(now // DAY)
        cfg = self.forecast
        daily = dict(
            db.execute(
                "SELECT day, used FROM storeroom_daily_use WHERE item = ? AND day >= ?",
                [item, today - cfg.window_days - 1],
            ).fetchall()
        )
        # As the storeroom's ledger makes it: complete days only, from the day after the first.
        first = min(daily, default=today)
        days = range(max(first + 1, today - cfg.window_days), today)
        fc = forecast(
            [daily.get(d, 0.0) for d in days],
            on_hand,
            lead_time_days=settings.lead_time_days,
            service_level=cfg.service_level,
            smoothing=cfg.smoothing,
            min_history_days=cfg.min_history_days,
            minimum=settings.minimum,
        )
        return {
            "item": item,
            "on_hand": on_hand,
            "unit": settings.unit,
            "days_of_supply": fc.days_of_supply,
            "reorder_point": fc.reorder_point,
            "measured_at": iso_utc(updated_at),
        }


def feeds(settings: StoreroomSettings, clock: Callable[[], float] = time.time) -> list[Any]:
    """The storeroom's feeds for the uplink."""
    alerts = AlertLogFeed("storeroom-alerts", "storeroom_alert_log")
    return [alerts, StockFeed(settings, clock), SensorFeed(settings)]
