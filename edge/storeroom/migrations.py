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
