"""What the staff page shows of the notices, and what staff do with them.

A notice is current until it expires or is withdrawn. Each staff member marks it read for
themself (the banner stays for those who have not); the page also says who at this gateway has
read it. A reply is one line of text, at most :data:`MAX_REPLY` characters.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import sqlite_utils

from edge.core.store import Store

MAX_REPLY = 500
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}

# -- what a person reads (one place, to be translated) ---------------------------------------
UNKNOWN = "no current notice {id}"
NO_REPLIES = "this notice takes no replies"
EMPTY = "write a line of text (at most {n} characters)"


class NoticeError(Exception):
    """Something staff asked that cannot be done; ``status`` is the HTTP status."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


_CURRENT = (
    "SELECT id, scope, severity, title, text, issued_at, expires_at, replies, received_at"
    " FROM notices WHERE withdrawn_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"
)


def _current(db: sqlite_utils.Database, now: float, notice_id: str | None) -> list[dict[str, Any]]:
    params: list[Any] = [now]
    sql = _CURRENT
    if notice_id is not None:
        sql, params = sql + " AND id = ?", [now, notice_id]
    names = ("id", "scope", "severity", "title", "text", "issued_at", "expires_at", "replies",
             "received_at")  # fmt: skip
    notices = [dict(zip(names, row, strict=True)) for row in db.execute(sql, params)]
    for n in notices:
        n["replies"] = bool(n["replies"])
        n["read_by"] = [
            {"user": user, "read_at": at}
            for user, at in db.execute(
                "SELECT user, read_at FROM notice_reads WHERE notice_id = ? ORDER BY read_at",
                [n["id"]],
            )
        ]
        n["answers"] = [
            {"user": user, "text": text, "sent_at": at}
            for user, text, at in db.execute(
                "SELECT user, text, sent_at FROM notice_replies WHERE notice_id = ?"
                " ORDER BY sent_at",
                [n["id"]],
            )
        ]
    return notices


class NoticeBoard:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def current(self, user: str) -> list[dict[str, Any]]:
        """The current notices, those ``user`` has not read first, then the most severe."""
        now = self.clock()
        notices = await self.store.read(lambda db: _current(db, now, None))
        for n in notices:
            n["read"] = any(r["user"] == user for r in n["read_by"])
        notices.sort(
            key=lambda n: (n["read"], SEVERITY_ORDER.get(n["severity"], 3), -n["issued_at"])
        )
        return notices

    async def _one(self, notice_id: str) -> dict[str, Any]:
        now = self.clock()
        found = await self.store.read(lambda db: _current(db, now, notice_id))
        if not found:
            raise NoticeError(UNKNOWN.format(id=notice_id[:64]), 404)
        return found[0]

    async def mark_read(self, notice_id: str, user: str) -> dict[str, Any]:
        await self._one(notice_id)
        at = self.clock()
        await self.store.write(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO notice_reads (notice_id, user, read_at) VALUES (?, ?, ?)",
                [notice_id, user, at],
            )
        )
        notice = await self._one(notice_id)
        notice["read"] = True
        return notice

    async def reply(self, notice_id: str, user: str, text: str) -> dict[str, Any]:
        notice = await self._one(notice_id)
        if not notice["replies"]:
            raise NoticeError(NO_REPLIES, 409)
        line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
        if not line or len(line) > MAX_REPLY:
            raise NoticeError(EMPTY.format(n=MAX_REPLY), 422)
        reply_id, at = secrets.token_hex(6), self.clock()
        await self.store.write(
            lambda db: db.execute(
                "INSERT INTO notice_replies (reply_id, notice_id, user, text, sent_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [reply_id, notice_id, user, line, at],
            )
        )
        return {"reply_id": reply_id, "notice_id": notice_id, "text": line, "sent_at": at}
