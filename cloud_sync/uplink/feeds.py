"""Feeds: records the uplink reads from other parts' tables, as it reads screenings.

A part that wants its records at the centre hands the uplink a :class:`Feed`; on every tick, in
the same transaction as the outbox rows it makes, the uplink asks each feed for what changed
after the cursor it keeps for it (``uplink_state``, ``feed:<name>``) and moves the cursor on.
So a record committed by the part reaches the outbox exactly once, whatever the in-memory bus
dropped, a burst or a restart. A feed is anything with ``name``, ``streams`` and ``changes``;
parts need not import the uplink.

A *paced* stream (stock) is not sent on every change: the latest record waits in
``uplink_paced`` until :attr:`Pace.interval_s` has passed since the last one sent, or goes at
once when its band changes (see :func:`stock_band`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlite_utils

from cloud_sync.uplink import outbox
from cloud_sync.uplink.outbox import Outgoing
from edge.core.feeds import Record

#: How many records one feed gives in one transaction (the tick asks again while there are more)
BATCH = 500


class Feed(Protocol):
    name: str
    streams: tuple[str, ...]  # the streams it makes: the bus no longer carries them here

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        """Records changed after ``after`` (at most ``limit``), and the cursor after them."""
        ...


@dataclass(frozen=True, slots=True)
class Pace:
    interval_s: float
    band: Callable[[dict[str, Any]], int]  # a change of band is sent at once


def stock_band(body: dict[str, Any]) -> int:
    """0: out, 1: at or below the reorder point, 2: above it."""
    on_hand, reorder = body.get("on_hand"), body.get("reorder_point")
    if not isinstance(on_hand, int | float) or on_hand <= 0:
        return 0
    return 1 if isinstance(reorder, int | float) and on_hand <= reorder else 2


def pull(
    db: sqlite_utils.Database,
    feeds: Sequence[Feed],
    synced: bool,
    *,
    now: float = 0.0,
    paces: Mapping[str, Pace] | None = None,
) -> list[Outgoing]:
    """Every feed's next records (and paced records now due) as outgoing messages; the cursors
    move, and paced records wait, in this transaction."""
    paces = paces or {}
    out: list[Outgoing] = []
    for feed in feeds:
        state = f"feed:{feed.name}"
        cursor = int(outbox.get_state(db, state, 0))
        records, after = feed.changes(db, cursor, BATCH)
        if after != cursor:
            outbox.set_state(db, state, after)
        for stream, key, body in records:
            pace = paces.get(stream)
            if pace is None:
                out.append(Outgoing(stream, key, body, synced))
            else:
                _hold(db, stream, key, body, pace.band(body))
    for stream, pace in paces.items():
        out.extend(_due(db, stream, pace, now, synced))
    return out


def _hold(
    db: sqlite_utils.Database, stream: str, key: str, body: dict[str, Any], band: int
) -> None:
    db.execute(
        "INSERT INTO uplink_paced (stream, key, body, band, pending) VALUES (?, ?, ?, ?, 1)"
        " ON CONFLICT (stream, key) DO UPDATE SET body = excluded.body, band = excluded.band,"
        " pending = 1",
        [stream, key, json.dumps(body, separators=(",", ":")), band],
    )


def _due(
    db: sqlite_utils.Database, stream: str, pace: Pace, now: float, synced: bool
) -> list[Outgoing]:
    rows = db.execute(
        "SELECT key, body, band FROM uplink_paced WHERE stream = ? AND pending = 1"
        " AND (sent_at IS NULL OR sent_band IS NOT band OR sent_at <= ?)",
        [stream, now - pace.interval_s],
    ).fetchall()
    db.conn.executemany(
        "UPDATE uplink_paced SET pending = 0, sent_band = band, sent_at = ?"
        " WHERE stream = ? AND key = ?",
        [(now, stream, key) for key, _body, _band in rows],
    )
    return [Outgoing(stream, key, json.loads(body), synced) for key, body, _band in rows]
