"""Storing what a gateway keys (messages, command acks) under its cap of distinct keys.

A gateway holds at most ``cap`` distinct keys; ``gateways.keys`` counts them as they are
stored. A new key over the cap is refused (set aside, counted in ``gateways.keys_refused``); a
new revision of a key already stored is always taken, so a gateway at its cap still reports.
Only a gateway that would pass its cap in this batch pays for looking its keys up.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from cloud_sync.monitor.ingest import CommandAck, DataMessage, Rejected
from cloud_sync.monitor.storage.backend import Cursor
from cloud_sync.monitor.storage.batch import set_aside
from cloud_sync.monitor.storage.write_sql import WriteSql

#: what a person reads for a key refused over the cap (one place, to be translated)
KEY_LIMIT = (
    "gateway {gateway} already holds its limit of {limit:,} distinct keys: new keys are"
    " refused, new revisions of its keys are still taken (see --max-keys-per-gateway)"
)


@dataclass(slots=True)
class Stored:
    stored: int = 0  # new keys and higher revisions
    rejected: list[Rejected] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _known_keys(cur: Cursor, sql: WriteSql, gateways: list[str]) -> dict[str, int]:
    cur.execute(sql.keys_of(len(gateways)), gateways)
    return {row[0]: int(row[1]) for row in cur.fetchall()}


def _refuse(out: Stored, item: DataMessage | CommandAck, gateway: str, cap: int) -> None:
    rejected = set_aside(item, "key_limit", KEY_LIMIT.format(gateway=gateway, limit=cap))
    if rejected is not None:
        out.rejected.append(rejected)
    out.refused[gateway] += 1


def _within_cap(
    cur: Cursor,
    sql: WriteSql,
    gateway: str,
    items: list[DataMessage],
    room: int,
    out: Stored,
    cap: int,
) -> list[DataMessage]:
    """The items that fit: every key already stored, and new keys while there is room."""
    kept = []
    for item in items:
        env = item.envelope
        cur.execute(sql.has_message, (gateway, env.stream, env.key))
        if cur.fetchall():
            kept.append(item)
        elif room > 0:
            room -= 1
            kept.append(item)
        else:
            _refuse(out, item, gateway, cap)
    return kept


def store_messages(
    cur: Cursor, sql: WriteSql, latest: dict[tuple[str, str, str], DataMessage], cap: int
) -> Stored:
    """Store the latest revision per key, gateway by gateway (sorted: the same lock order in
    every monitor sharing one PostgreSQL)."""
    by_gateway: dict[str, list[DataMessage]] = defaultdict(list)
    for ident in sorted(latest):
        by_gateway[ident[0]].append(latest[ident])
    gateways = sorted(by_gateway)
    known = _known_keys(cur, sql, gateways)
    out = Stored()
    for gateway in gateways:
        items = by_gateway[gateway]
        room = cap - known.get(gateway, 0)
        if len(items) > room:
            items = _within_cap(cur, sql, gateway, items, room, out, cap)
        rows = [
            (
                gateway,
                item.envelope.stream,
                item.envelope.key,
                item.envelope.rev,
                item.envelope.seq,
                item.envelope.at,
                int(item.envelope.clock_synced),
                item.raw,
                item.received_at,
            )
            for item in items
        ]
        cur.executemany(sql.insert_message, rows)
        inserted = max(cur.rowcount, 0)
        out.stored += inserted
        if inserted < len(rows):  # some keys were stored before: a higher revision replaces
            # rev, seq, at, clock_synced, envelope, received_at; gateway, stream, key; rev
            cur.executemany(sql.update_message, [(*r[3:], *r[:3], r[3]) for r in rows])
            out.stored += max(cur.rowcount, 0)
        if inserted:
            cur.execute(sql.add_keys, (inserted, gateway))
    for gateway, count in sorted(out.refused.items()):
        cur.execute(sql.add_refused_keys, (count, gateway))
    return out


def store_acks(cur: Cursor, sql: WriteSql, acks: list[CommandAck], cap: int) -> Stored:
    """Command acks count as keys too: a flood of made-up acks is capped like messages."""
    gateways = sorted({a.envelope.gateway for a in acks})
    known = _known_keys(cur, sql, gateways)
    out = Stored()
    for ack in acks:
        env = ack.envelope
        if known.get(env.gateway, 0) >= cap:
            _refuse(out, ack, env.gateway, cap)
            continue
        body = json.dumps(env.body, separators=(",", ":"), ensure_ascii=False)
        cur.execute(
            sql.insert_acks,
            (env.gateway, ack.command, env.key, env.rev, body, env.at, ack.received_at),
        )
        if cur.rowcount > 0:
            known[env.gateway] = known.get(env.gateway, 0) + 1
            cur.execute(sql.add_keys, (1, env.gateway))
        out.stored += 1
    for gateway, count in sorted(out.refused.items()):
        cur.execute(sql.add_refused_keys, (count, gateway))
    return out
