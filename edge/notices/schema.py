"""The notices' tables (migration set ``notices``; append-only steps)."""

from __future__ import annotations

import sqlite_utils

from edge.core.migrations import MigrationSet

MIGRATIONS: MigrationSet[sqlite_utils.Database] = MigrationSet("notices")


@MIGRATIONS.step("create_notices")
def create_notices(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE notices (
            id TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            severity TEXT NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            issued_at REAL NOT NULL,
            expires_at REAL,
            replies INTEGER NOT NULL,
            received_at REAL NOT NULL,
            withdrawn_at REAL
        )"""
    )
    # seq: the order they were made in, which the uplink follows (a cursor, never a gap)
    db.execute(
        """CREATE TABLE notice_reads (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            notice_id TEXT NOT NULL,
            user TEXT NOT NULL,
            read_at REAL NOT NULL,
            UNIQUE (notice_id, user)
        )"""
    )
    db.execute(
        """CREATE TABLE notice_replies (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            reply_id TEXT NOT NULL UNIQUE,
            notice_id TEXT NOT NULL,
            user TEXT NOT NULL,
            text TEXT NOT NULL,
            sent_at REAL NOT NULL
        )"""
    )
