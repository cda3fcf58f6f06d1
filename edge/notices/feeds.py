"""Reads and replies for the uplink, from their tables (see ``cloud_sync/uplink/feeds.py``).

Each feed follows its table's ``seq`` from the cursor the uplink keeps, so every row committed
here reaches the centre, across restarts and however many come at once.
"""

from __future__ import annotations

import sqlite_utils

from edge.core.feeds import Record, iso_utc


class NoticeReads:
    name = "notice-read"
    streams: tuple[str, ...] = ("notice-read",)

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        rows = db.execute(
            "SELECT seq, notice_id, user, read_at FROM notice_reads WHERE seq > ?"
            " ORDER BY seq LIMIT ?",
            [after, limit],
        ).fetchall()
        records = [
            (
                "notice-read",
                f"{notice_id}/{user}",
                {"notice_id": notice_id, "user": user, "read_at": iso_utc(read_at)},
            )
            for _seq, notice_id, user, read_at in rows
        ]
        return records, rows[-1][0] if rows else after


class NoticeReplies:
    name = "notice-reply"
    streams: tuple[str, ...] = ("notice-reply",)

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        rows = db.execute(
            "SELECT seq, reply_id, notice_id, user, text, sent_at FROM notice_replies"
            " WHERE seq > ? ORDER BY seq LIMIT ?",
            [after, limit],
        ).fetchall()
        records = [
            (
                "notice-reply",
                f"{notice_id}/{reply_id}",
                {
                    "notice_id": notice_id,
                    "reply_id": reply_id,
                    "user": user,
                    "text": text,
                    "sent_at": iso_utc(sent_at),
                },
            )
            for _seq, reply_id, notice_id, user, text, sent_at in rows
        ]
        return records, rows[-1][0] if rows else after
