"""The checkpoint's tables: screenings, overrides, device events.

Schema changes use sqlite-utils (new steps; shipped steps are never edited). The hot-path
inserts in :mod:`edge.checkpoint.queries` stay raw SQL: sqlite-utils' ``insert`` costs about
six times as much per row (``bench/bench_sqlite_utils_insert.py``).

The set is recorded as ``core`` in databases that exist in the field; the name stays.
"""

from __future__ import annotations

import sqlite_utils

from edge.core.migrations import MigrationSet

MIGRATIONS: MigrationSet[sqlite_utils.Database] = MigrationSet("core")


@MIGRATIONS.step("create_screenings")
def create_screenings(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE screenings (
            id INTEGER PRIMARY KEY,
            lane TEXT NOT NULL,
            decided_at REAL NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT NOT NULL,
            rule TEXT NOT NULL,
            policy_version TEXT,
            temperature REAL,
            code_type TEXT,
            code_status TEXT,
            code_valid INTEGER,
            failed_step TEXT,
            complete INTEGER NOT NULL,
            resident_id TEXT,
            raw_code TEXT,
            overridden_to TEXT,
            personal_purged INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX screenings_decided_at ON screenings (decided_at)")
    db.execute("CREATE INDEX screenings_lane_id ON screenings (lane, id)")


@MIGRATIONS.step("create_overrides")
def create_overrides(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE overrides (
            id INTEGER PRIMARY KEY,
            screening_id INTEGER NOT NULL REFERENCES screenings (id),
            at REAL NOT NULL,
            user TEXT NOT NULL,
            reason TEXT NOT NULL,
            before TEXT NOT NULL,
            after TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX overrides_screening ON overrides (screening_id)")


@MIGRATIONS.step("create_device_events")
def create_device_events(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE device_events (
            id INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            state TEXT,
            reason TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 1,
            sample TEXT
        )"""
    )
    db.execute("CREATE INDEX device_events_device ON device_events (device, at)")


@MIGRATIONS.step("add_decision_key")
def add_decision_key(db: sqlite_utils.Database) -> None:
    # A decision is named when it is made, before it is recorded; recording it again after a
    # storage failure must not make a second row.
    screenings = db.table("screenings")
    screenings.add_column("decision_key", str)
    screenings.create_index(["decision_key"], index_name="screenings_decision_key", unique=True)


@MIGRATIONS.step("add_on_duty")
def add_on_duty(db: sqlite_utils.Database) -> None:
    # The staff signed in to the lane when it decided: every decision is attributed.
    db.table("screenings").add_column("on_duty", str)
