"""The storeroom's tables (append-only steps; see :mod:`edge.core.migrations`)."""

from __future__ import annotations

import sqlite_utils

from edge.core.migrations import MigrationSet

MIGRATIONS: MigrationSet[sqlite_utils.Database] = MigrationSet("storeroom")


@MIGRATIONS.step("create_tables")
def create_tables(db: sqlite_utils.Database) -> None:
    # Statement by statement: executescript() would COMMIT the migration's transaction.
    for statement in _CREATE.split(";"):
        if statement.strip():
            db.execute(statement)


_CREATE = """
        CREATE TABLE storeroom_stock (
            item TEXT PRIMARY KEY,
            on_hand REAL,              -- NULL until a shelf or a count has said
            on_order REAL NOT NULL DEFAULT 0,
            offset_kg REAL NOT NULL DEFAULT 0,  -- left by manual counts on a weighed shelf
            updated_at REAL NOT NULL
        );
        CREATE TABLE storeroom_stock_history (
            id INTEGER PRIMARY KEY,
            item TEXT NOT NULL,
            at REAL NOT NULL,
            on_hand REAL NOT NULL,
            cause TEXT NOT NULL        -- "sensor", "count", "delivery"
        );
        CREATE INDEX storeroom_stock_history_item_at ON storeroom_stock_history (item, at);
        CREATE TABLE storeroom_readings (  -- downsampled: one row per sensor per sample period
            id INTEGER PRIMARY KEY,
            sensor TEXT NOT NULL,
            at REAL NOT NULL,
            value REAL NOT NULL,       -- kg, or °C for climate sensors
            value2 REAL                -- % RH for climate sensors
        );
        CREATE INDEX storeroom_readings_sensor_at ON storeroom_readings (sensor, at);
        CREATE TABLE storeroom_daily_use (
            item TEXT NOT NULL,
            day INTEGER NOT NULL,      -- days since the epoch, UTC
            used REAL NOT NULL,
            PRIMARY KEY (item, day)
        );
        CREATE TABLE storeroom_counts (
            id INTEGER PRIMARY KEY,
            item TEXT NOT NULL,
            at REAL NOT NULL,
            count REAL NOT NULL,
            previous REAL,
            user TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE storeroom_deliveries (
            id INTEGER PRIMARY KEY,
            item TEXT NOT NULL,
            at REAL NOT NULL,
            quantity REAL NOT NULL,
            user TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE storeroom_orders (
            id INTEGER PRIMARY KEY,
            item TEXT NOT NULL,
            at REAL NOT NULL,
            quantity REAL NOT NULL,
            user TEXT,
            alert_id TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE storeroom_alerts (
            alert_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            severity TEXT NOT NULL,
            state TEXT NOT NULL,
            message TEXT NOT NULL,
            opened_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            notified_at REAL NOT NULL,
            notify_count INTEGER NOT NULL,
            rev INTEGER NOT NULL,
            acknowledged_by TEXT,
            acknowledged_at REAL,
            resolved_at REAL
        );
        CREATE INDEX storeroom_alerts_state ON storeroom_alerts (state);
        CREATE INDEX storeroom_alerts_updated ON storeroom_alerts (updated_at);
        CREATE TABLE storeroom_sensor_events (
            id INTEGER PRIMARY KEY,
            sensor TEXT NOT NULL,
            at REAL NOT NULL,
            state TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX storeroom_sensor_events_sensor_at ON storeroom_sensor_events (sensor, at);
"""


@MIGRATIONS.step("uplink_change_logs")
def uplink_change_logs(db: sqlite_utils.Database) -> None:
    # Every committed change the centre must hear of, in the order it was made, written by the
    # database itself (triggers), so nothing that is committed can be left out: the uplink reads
    # these logs from its cursor (edge/storeroom/feeds.py), not the in-memory bus, and a burst
    # or a restart loses none. Each log keeps at most its newest 100,000 rows (a gateway
    # without an uplink reads none of them).
    for statement in _LOGS:
        db.execute(statement)


_LOG_ALERT = """
    INSERT INTO storeroom_alert_log
        (alert_id, kind, subject, severity, state, message, changed_at)
        VALUES (NEW.alert_id, NEW.kind, NEW.subject, NEW.severity, NEW.state, NEW.message,
                NEW.updated_at);
    DELETE FROM storeroom_alert_log
        WHERE seq <= (SELECT MAX(seq) FROM storeroom_alert_log) - 100000;
"""
_LOG_ITEM = """
    INSERT INTO storeroom_stock_log (item) VALUES (NEW.item);
    DELETE FROM storeroom_stock_log
        WHERE seq <= (SELECT MAX(seq) FROM storeroom_stock_log) - 100000;
"""
_LOGS = (
    """CREATE TABLE storeroom_alert_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        message TEXT NOT NULL,
        changed_at REAL NOT NULL
    )""",
    "CREATE TRIGGER storeroom_alert_opened AFTER INSERT ON storeroom_alerts"
    f" BEGIN {_LOG_ALERT} END",
    "CREATE TRIGGER storeroom_alert_changed AFTER UPDATE ON storeroom_alerts"
    " WHEN OLD.state IS NOT NEW.state OR OLD.severity IS NOT NEW.severity"
    f" OR OLD.message IS NOT NEW.message BEGIN {_LOG_ALERT} END",
    "CREATE TABLE storeroom_stock_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, item TEXT NOT NULL)",
    f"CREATE TRIGGER storeroom_stock_added AFTER INSERT ON storeroom_stock BEGIN {_LOG_ITEM} END",
    "CREATE TRIGGER storeroom_stock_changed AFTER UPDATE ON storeroom_stock"
    " WHEN OLD.on_hand IS NOT NEW.on_hand OR OLD.on_order IS NOT NEW.on_order"
    f" BEGIN {_LOG_ITEM} END",
    f"CREATE TRIGGER storeroom_use_added AFTER INSERT ON storeroom_daily_use BEGIN {_LOG_ITEM} END",
    "CREATE TRIGGER storeroom_use_changed AFTER UPDATE ON storeroom_daily_use"
    f" BEGIN {_LOG_ITEM} END",
)
