"""The uplink's tables (migration set ``uplink``); append-only steps."""

from __future__ import annotations

import sqlite_utils

from edge.core.migrations import MigrationSet

MIGRATIONS: MigrationSet[sqlite_utils.Database] = MigrationSet("uplink")


@MIGRATIONS.step("create_outbox")
def create_outbox(db: sqlite_utils.Database) -> None:
    # AUTOINCREMENT: ids never go back, so the drain's (priority, id) cursor never skips a row.
    db.execute(
        """CREATE TABLE uplink_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            priority INTEGER NOT NULL,
            stream TEXT NOT NULL,
            key TEXT NOT NULL,
            rev INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            created_at REAL NOT NULL,
            held INTEGER NOT NULL DEFAULT 0,
            replaceable INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX uplink_outbox_drain ON uplink_outbox (held, priority, id)")
    db.execute(
        "CREATE UNIQUE INDEX uplink_outbox_latest ON uplink_outbox (stream, key)"
        " WHERE replaceable = 1"
    )


@MIGRATIONS.step("create_counters")
def create_counters(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE uplink_seq (stream TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)")
    db.execute(
        "CREATE TABLE uplink_revs (stream TEXT NOT NULL, key TEXT NOT NULL,"
        " rev INTEGER NOT NULL, PRIMARY KEY (stream, key))"
    )
    db.execute("CREATE TABLE uplink_state (name TEXT PRIMARY KEY, value)")


@MIGRATIONS.step("create_windows")
def create_windows(db: sqlite_utils.Database) -> None:
    # One row per lane and window the uplink knows of: whether it must be (re)computed,
    # whether the clock was in doubt while it was open, and what was last sent.
    db.execute(
        """CREATE TABLE uplink_windows (
            lane TEXT NOT NULL,
            start REAL NOT NULL,
            dirty INTEGER NOT NULL DEFAULT 1,
            doubt INTEGER NOT NULL DEFAULT 0,
            evicted INTEGER NOT NULL DEFAULT 0,
            digest TEXT,
            PRIMARY KEY (lane, start)
        )"""
    )
    db.execute("CREATE INDEX uplink_windows_dirty ON uplink_windows (dirty, start)")


@MIGRATIONS.step("create_distribution")
def create_distribution(db: sqlite_utils.Database) -> None:
    # What the gateway holds of each stream the centre distributes (dist_store.py).
    db.execute(
        """CREATE TABLE dist_streams (
            kind TEXT NOT NULL,
            scope TEXT NOT NULL,
            held INTEGER NOT NULL DEFAULT 0,
            held_at REAL,
            status TEXT NOT NULL DEFAULT 'none',
            reason TEXT NOT NULL DEFAULT '',
            item_version INTEGER,
            refused_version INTEGER,
            refused_reason TEXT NOT NULL DEFAULT '',
            refused_at REAL,
            PRIMARY KEY (kind, scope)
        )"""
    )
    db.execute(
        """CREATE TABLE dist_blobs (
            kind TEXT NOT NULL,
            scope TEXT NOT NULL,
            version INTEGER NOT NULL,
            mode TEXT NOT NULL,
            base INTEGER NOT NULL,
            payload BLOB NOT NULL,
            stored_at REAL NOT NULL,
            PRIMARY KEY (kind, scope, version)
        )"""
    )


@MIGRATIONS.step("create_paced")
def create_paced(db: sqlite_utils.Database) -> None:
    # Records of a paced stream (stock: a shelf reports every few seconds, the centre needs the
    # level): the latest waits here until its interval has passed since the last one sent, or
    # at once when its band changes (out, below the reorder point). Kept in the database so a
    # restart neither loses the latest nor forgets when the last went.
    db.execute(
        """CREATE TABLE uplink_paced (
            stream TEXT NOT NULL,
            key TEXT NOT NULL,
            body TEXT,
            band INTEGER NOT NULL DEFAULT 0,
            pending INTEGER NOT NULL DEFAULT 0,
            sent_band INTEGER,
            sent_at REAL,
            PRIMARY KEY (stream, key)
        )"""
    )
