"""Community passes for the registry's members, issued in batches, and their printed cards."""

# ruff: noqa: S608 - statements add only constant clauses and placeholders; values are parameters

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from edge.community.importer import address_label
from edge.community.printing import Card
from edge.crypto.jws import PrivateKey, parse_compact
from edge.verify.community_pass import issue_pass
from edge.verify.community_pass.token import PREFIX, decode_claims


@dataclass(frozen=True, slots=True)
class Selection:
    """Which members get a pass: given ids, or everyone (optionally only those without a
    phone, optionally of one building)."""

    member_ids: tuple[int, ...] = ()
    without_phone_only: bool = False
    building: str | None = None


def select_members(db: sqlite_utils.Database, which: Selection) -> list[dict[str, Any]]:
    where: list[str] = ["1=1"]
    params: list[Any] = []
    if which.member_ids:
        where.append(f"m.id IN ({','.join('?' * len(which.member_ids))})")
        params.extend(which.member_ids)
    if which.without_phone_only:
        where.append("m.has_phone = 0")
    if which.building is not None:
        where.append("h.building = ?")
        params.append(which.building)
    return list(
        db.query(
            "SELECT m.id, m.resident_id, m.name, h.building, h.unit, h.room FROM members m"
            " JOIN households h ON h.id = m.household_id"
            f" WHERE {' AND '.join(where)} ORDER BY h.building, h.unit, h.room, m.id",
            params,
        )
    )


def issue_batch(
    db: sqlite_utils.Database,
    members: Sequence[dict[str, Any]],
    *,
    key: PrivateKey,
    kid: str,
    days: float,
    user: str | None,
    now: float,
) -> int:
    """Sign a pass for each member and record the batch; return the batch id."""
    issued = datetime.fromtimestamp(now, UTC)
    until = now + days * 86400
    cur = db.execute(
        "INSERT INTO pass_batches (at, user, kid, count, valid_until) VALUES (?, ?, ?, ?, ?)",
        (now, user, kid, len(members), until),
    )
    batch_id = int(cur.lastrowid or 0)
    rows = []
    for member in members:
        text = issue_pass(
            key,
            kid=kid,
            resident_id=member["resident_id"],
            status="green",
            valid_for=timedelta(days=days),
            issuer=kid,
            issued_at=issued,
        )
        rows.append((member["id"], batch_id, _pass_id(text), text, now, until))
    db.conn.executemany(
        "INSERT INTO passes (member_id, batch_id, pass_id, text, issued_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    return batch_id


def _pass_id(text: str) -> str:
    return decode_claims(parse_compact(text[len(PREFIX) :]).payload).pass_id


def batch_cards(db: sqlite_utils.Database, batch_id: int) -> list[Card]:
    return _cards(db, "p.batch_id = ?", [batch_id])


def latest_cards(db: sqlite_utils.Database, member_ids: Sequence[int]) -> list[Card]:
    """Each member's newest pass, to print a lost card again."""
    marks = ",".join("?" * len(member_ids))
    return _cards(
        db,
        f"p.member_id IN ({marks}) AND p.id = (SELECT MAX(id) FROM passes q"
        " WHERE q.member_id = p.member_id)",
        list(member_ids),
    )


def _cards(db: sqlite_utils.Database, where: str, params: list[Any]) -> list[Card]:
    rows = db.query(
        "SELECT m.name, h.building, h.unit, h.room, p.text, p.expires_at FROM passes p"
        " JOIN members m ON m.id = p.member_id JOIN households h ON h.id = m.household_id"
        f" WHERE {where} ORDER BY h.building, h.unit, h.room, m.id",
        params,
    )
    return [
        Card(
            r["name"],
            address_label(r["building"], r["unit"], r["room"]),
            r["text"],
            datetime.fromtimestamp(r["expires_at"]).date().isoformat(),
        )
        for r in rows
    ]


def list_batches(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT id, at, user, kid, count, valid_until FROM pass_batches ORDER BY id DESC"
            " LIMIT ?",
            [limit],
        )
    )
