"""Tables a part offers the uplink, followed from a cursor: the shapes every feed shares.

A part (the checkpoint's device events, the storeroom's and the community's alert logs, the
notices' reads and replies) commits its records to a table with an increasing ``seq``; the
uplink (``cloud_sync/uplink/feeds.py``) asks its feed for what came after the cursor it keeps,
so a committed record reaches the centre exactly once. Parts need not import the uplink: a feed
is anything with ``name``, ``streams`` and ``changes``; these are the pieces they all use.
"""

from __future__ import annotations

import datetime
from typing import Any

import sqlite_utils

Record = tuple[str, str, dict[str, Any]]  # stream, key, body


def iso_utc(ts: float) -> str:
    """Epoch seconds as the wire format's time: ISO 8601, UTC, milliseconds, ``Z``."""
    return (
        datetime.datetime.fromtimestamp(ts, datetime.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


class AlertLogFeed:
    """An alert log (``seq, alert_id, kind, subject, severity, state, message, changed_at``:
    one row per transition) as the ``alert`` stream."""

    streams: tuple[str, ...] = ("alert",)

    def __init__(self, name: str, table: str) -> None:
        self.name = name
        # ``table`` is one of ours, named in code, never input.
        columns = "seq, alert_id, kind, subject, severity, state, message, changed_at"
        self._sql = f"SELECT {columns} FROM {table} WHERE seq > ? ORDER BY seq LIMIT ?"  # noqa: S608

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        rows = db.execute(self._sql, [after, limit]).fetchall()
        records: list[Record] = [
            (
                "alert",
                alert_id,
                {
                    "alert_id": alert_id,
                    "kind": kind,
                    "subject": subject,
                    "severity": severity,
                    "state": state,
                    "message": message,
                    "changed_at": iso_utc(changed_at),
                },
            )
            for _seq, alert_id, kind, subject, severity, state, message, changed_at in rows
        ]
        return records, rows[-1][0] if rows else after
