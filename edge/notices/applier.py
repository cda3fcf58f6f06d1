"""The notices the centre distributes -> the ``notices`` table, in the receiver's transaction.

Every scope's notices are shown (a gateway reads the district's, its community's and its own).
A notice that is no longer in any scope was withdrawn: it is marked so, and leaves the page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import sqlite_utils

from cloud_sync.distribution.apply import Prepared
from cloud_sync.distribution.content import Notice
from cloud_sync.distribution.kinds import Kind, Scope

SUMMARY = "{n} notice(s)"


class NoticeApplier:
    kind = Kind.NOTICE

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def prepare(self, values: Mapping[Scope, Any]) -> Prepared:
        held: list[tuple[Scope, Notice]] = [
            (scope, n) for scope, notices in values.items() for n in notices or ()
        ]
        now = self.clock()

        def write(db: sqlite_utils.Database) -> None:
            for scope, n in held:
                db.execute(
                    "INSERT INTO notices (id, scope, severity, title, text, issued_at, expires_at,"
                    " replies, received_at) VALUES (?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (id) DO UPDATE SET scope = excluded.scope,"
                    " severity = excluded.severity, title = excluded.title, text = excluded.text,"
                    " issued_at = excluded.issued_at, expires_at = excluded.expires_at,"
                    " replies = excluded.replies, withdrawn_at = NULL",
                    [
                        n.id,
                        str(scope),
                        n.severity,
                        n.title,
                        n.text,
                        n.issued_at,
                        n.expires_at,
                        int(n.replies),
                        now,
                    ],
                )
            present = {n.id for _, n in held}
            gone = [
                notice_id
                for (notice_id,) in db.execute("SELECT id FROM notices WHERE withdrawn_at IS NULL")
                if notice_id not in present
            ]
            db.conn.executemany(
                "UPDATE notices SET withdrawn_at = ? WHERE id = ?", [(now, i) for i in gone]
            )

        return Prepared(install=lambda: None, write=write, summary=SUMMARY.format(n=len(held)))
