"""The outbox: everything the uplink sends is committed here first, removed after PUBACK.

Functions take a ``sqlite_utils.Database`` and run inside ``Store.write`` / ``Store.read_sync``.

Replace, never add: a stream whose messages describe the latest state of a key (a lane's
window, an item's stock, a device, the heartbeat) keeps at most one row per key. A newer
revision overwrites the row in place, keeping its ``seq`` (the centre sees a repeat, not a gap),
and the PUBACK of the older revision deletes nothing (the delete matches on ``rev``), so the
newer one is sent too. Alerts and command acks are never replaced: every transition is a row.

Full outbox (more than ``max_rows``): the oldest lane windows are evicted and their windows
marked ``evicted``; the service recomputes them from the screenings table once the backlog has
shrunk, so an eviction delays a window but never loses it. Alerts and acks are never evicted,
so the bound can be exceeded by them alone.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from cloud_sync.protocol import Envelope, Stream, data_topic

ACK_STREAM = "ack"  # the envelopes on ``ack/<command>`` topics

# Lower drains first.
PRIORITY = {
    Stream.ALERT.value: 0,
    ACK_STREAM: 0,
    Stream.DISTRIBUTION.value: 0,  # "who has heard" at the centre waits for these
    Stream.NOTICE_READ.value: 1,
    Stream.NOTICE_REPLY.value: 1,
    Stream.HEARTBEAT.value: 1,
    Stream.DEVICE_HEALTH.value: 1,
    Stream.LANE_DUTY.value: 1,
    Stream.STOCK.value: 2,
    Stream.DAILY_REPORT.value: 2,
    Stream.LANE_WINDOW.value: 3,
}
REPLACEABLE = {
    Stream.DISTRIBUTION.value,  # the latest state of a stream is all the centre needs
    Stream.NOTICE_READ.value,
    Stream.NOTICE_REPLY.value,
    Stream.HEARTBEAT.value,
    Stream.DEVICE_HEALTH.value,
    Stream.STOCK.value,
    Stream.LANE_WINDOW.value,
    Stream.LANE_DUTY.value,
    Stream.DAILY_REPORT.value,
}
EVICTABLE_PRIORITY = PRIORITY[Stream.LANE_WINDOW.value]


def iso(ts: float) -> str:
    return (
        datetime.datetime.fromtimestamp(ts, datetime.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to enqueue; ``rev`` None: the next revision of ``(stream, key)``."""

    stream: str
    key: str
    body: dict[str, Any]
    clock_synced: bool
    rev: int | None = None
    held: bool = False
    topic: str | None = None  # None: the stream's data topic


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    rev: int
    topic: str
    payload: bytes
    priority: int


def get_state(db: sqlite_utils.Database, name: str, default: Any = None) -> Any:
    row = db.execute("SELECT value FROM uplink_state WHERE name = ?", [name]).fetchone()
    return default if row is None else row[0]


def set_state(db: sqlite_utils.Database, name: str, value: Any) -> None:
    db.execute(
        "INSERT INTO uplink_state (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [name, value],
    )


def add_state(db: sqlite_utils.Database, name: str, delta: int) -> int:
    value = int(get_state(db, name, 0)) + delta
    set_state(db, name, value)
    return value


def next_rev(db: sqlite_utils.Database, stream: str, key: str) -> int:
    row = db.execute(
        "INSERT INTO uplink_revs (stream, key, rev) VALUES (?, ?, 1)"
        " ON CONFLICT (stream, key) DO UPDATE SET rev = rev + 1 RETURNING rev",
        [stream, key],
    ).fetchone()
    return int(row[0])


def _next_seq(db: sqlite_utils.Database, stream: str) -> int:
    row = db.execute(
        "INSERT INTO uplink_seq (stream, last_seq) VALUES (?, 1)"
        " ON CONFLICT (stream) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
        [stream],
    ).fetchone()
    return int(row[0])


def enqueue(
    db: sqlite_utils.Database, gateway: str, items: list[Outgoing], now: float, max_rows: int
) -> int:
    """Commit ``items`` to the outbox; return the number of rows evicted to respect the bound."""
    at = iso(now)
    for item in items:
        rev = item.rev if item.rev is not None else next_rev(db, item.stream, item.key)
        replaceable = item.stream in REPLACEABLE
        existing = None
        if replaceable:
            existing = db.execute(
                "SELECT id, seq FROM uplink_outbox"
                " WHERE stream = ? AND key = ? AND replaceable = 1",
                [item.stream, item.key],
            ).fetchone()
        seq = existing[1] if existing else _next_seq(db, item.stream)
        payload = Envelope(
            gateway=gateway,
            stream=item.stream,
            key=item.key,
            rev=rev,
            seq=seq,
            at=at,
            clock_synced=item.clock_synced,
            body=item.body,
        ).encode()
        topic = item.topic or data_topic(gateway, item.stream)
        if existing:
            db.execute(
                "UPDATE uplink_outbox SET rev = ?, payload = ?, topic = ?, created_at = ?,"
                " held = ? WHERE id = ?",
                [rev, payload, topic, now, int(item.held), existing[0]],
            )
        else:
            db.execute(
                "INSERT INTO uplink_outbox (priority, stream, key, rev, seq, topic, payload,"
                " created_at, held, replaceable) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    PRIORITY.get(item.stream, EVICTABLE_PRIORITY),
                    item.stream,
                    item.key,
                    rev,
                    seq,
                    topic,
                    payload,
                    now,
                    int(item.held),
                    int(replaceable),
                ],
            )
    return _enforce_bound(db, max_rows)


def _enforce_bound(db: sqlite_utils.Database, max_rows: int) -> int:
    depth = db.execute("SELECT COUNT(*) FROM uplink_outbox").fetchone()[0]
    excess = depth - max_rows
    if excess <= 0:
        return 0
    victims = db.execute(
        "SELECT id, key FROM uplink_outbox WHERE priority = ? ORDER BY id LIMIT ?",
        [EVICTABLE_PRIORITY, excess],
    ).fetchall()
    if not victims:
        return 0
    db.conn.executemany("DELETE FROM uplink_outbox WHERE id = ?", [(v[0],) for v in victims])
    marks = []
    for _id, key in victims:
        lane, _, start = key.rpartition("/")
        marks.append((lane, datetime.datetime.fromisoformat(start).timestamp()))
    db.conn.executemany(
        "UPDATE uplink_windows SET evicted = 1, dirty = 0, digest = NULL"
        " WHERE lane = ? AND start = ?",
        marks,
    )
    add_state(db, "evicted_total", len(victims))
    return len(victims)


def fetch(db: sqlite_utils.Database, after: tuple[int, int], limit: int) -> list[Row]:
    """Up to ``limit`` rows ready to send, in (priority, id) order after the cursor ``after``."""
    return [
        Row(r[0], r[1], r[2], r[3], r[4])
        for r in db.execute(
            "SELECT id, rev, topic, payload, priority FROM uplink_outbox"
            " WHERE held = 0 AND (priority, id) > (?, ?) ORDER BY priority, id LIMIT ?",
            [after[0], after[1], limit],
        )
    ]


def delete_acked(db: sqlite_utils.Database, acked: list[tuple[int, int]]) -> int:
    """Delete rows whose sent revision was acknowledged; return how many matched."""
    before = db.conn.total_changes
    db.conn.executemany("DELETE FROM uplink_outbox WHERE id = ? AND rev = ?", acked)
    return db.conn.total_changes - before


def release_held(db: sqlite_utils.Database) -> int:
    return db.execute("UPDATE uplink_outbox SET held = 0 WHERE held = 1").rowcount


@dataclass(frozen=True, slots=True)
class Depth:
    rows: int
    held: int
    oldest_created_at: float | None
    evicted_total: int


def depth(db: sqlite_utils.Database) -> Depth:
    rows, held, oldest = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(held), 0), MIN(created_at) FROM uplink_outbox"
    ).fetchone()
    return Depth(int(rows), int(held), oldest, int(get_state(db, "evicted_total", 0)))


def dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
