"""The household registry's reads and writes (run inside ``Store.write`` / ``Store.read``).

Every write that changes households or members bumps ``registry_rev`` in the same
transaction, so a running gateway sees that another process (the CLI's import) changed the
registry and re-reads its in-memory index (:mod:`edge.community.index`).
"""

# ruff: noqa: S608 - statements add only constant clauses and known column names; values
# are parameters

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.community.errors import InvalidInputError, NotFoundError
from edge.community.importer import MemberRow, address_label
from edge.core.words import N_

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
HOUSEHOLD_EXISTS = N_("household {label} already exists")
MEMBER_EXISTS = N_("{name} is already a member of household {label}")
HOUSEHOLD = N_("no household {id}")
MEMBER = N_("no member {id}")


def new_resident_id() -> str:
    """A pseudonymous id for a member's passes: random, never derived from the person."""
    return "r-" + secrets.token_urlsafe(9)


@dataclass(frozen=True, slots=True)
class ImportResult:
    households_added: int
    members_added: int
    members_updated: int
    rows: int


def registry_rev(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT value FROM community_state WHERE name = 'registry_rev'").fetchone()
    return int(row[0]) if row else 0


def bump_rev(db: sqlite_utils.Database) -> None:
    db.execute(
        "INSERT INTO community_state (name, value) VALUES ('registry_rev', '1')"
        " ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


def import_members(
    db: sqlite_utils.Database, rows: Sequence[MemberRow], now: float
) -> ImportResult:
    """Add the file's households and members; a member already there (same household, same
    name) has phone, identity digits and phone flag updated. One transaction: all or nothing."""
    households = {
        (b, u, r): hid
        for hid, b, u, r in db.execute("SELECT id, building, unit, room FROM households")
    }
    members = {
        (hid, name): mid
        for mid, hid, name in db.execute("SELECT id, household_id, name FROM members")
    }
    added_h = added_m = updated_m = 0
    for row in rows:
        hid = households.get(row.address)
        if hid is None:
            cur = db.execute(
                "INSERT INTO households (building, unit, room, note, created_at, updated_at)"
                " VALUES (?, ?, ?, '', ?, ?)",
                (*row.address, now, now),
            )
            hid = households[row.address] = int(cur.lastrowid or 0)
            added_h += 1
        if not row.name:
            continue
        mid = members.get((hid, row.name))
        if mid is None:
            cur = db.execute(
                "INSERT INTO members (household_id, resident_id, name, phone, id_last4,"
                " has_phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (hid, new_resident_id(), row.name, row.phone, row.id_last4, int(row.has_phone),
                 now, now),
            )  # fmt: skip
            members[hid, row.name] = int(cur.lastrowid or 0)
            added_m += 1
        else:
            db.execute(
                "UPDATE members SET phone = ?, id_last4 = ?, has_phone = ?, updated_at = ?"
                " WHERE id = ?",
                (row.phone, row.id_last4, int(row.has_phone), now, mid),
            )
            updated_m += 1
    bump_rev(db)
    return ImportResult(added_h, added_m, updated_m, len(rows))


# -- households -----------------------------------------------------------------------------------
def _household_view(row: dict[str, Any]) -> dict[str, Any]:
    row["label"] = address_label(row["building"], row["unit"], row["room"])
    return row


def list_households(
    db: sqlite_utils.Database, *, search: str = "", limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    where, params = "", []
    if search:
        # a room, a building, or a member's name
        where = (
            " WHERE h.building || '-' || h.unit || '-' || h.room LIKE ? OR h.id IN"
            " (SELECT household_id FROM members WHERE name LIKE ?)"
        )
        params = [f"%{search}%", f"%{search}%"]
    total = db.execute(f"SELECT COUNT(*) FROM households h{where}", params).fetchone()[0]
    rows = db.query(
        "SELECT h.id, h.building, h.unit, h.room, h.note,"
        " (SELECT COUNT(*) FROM members m WHERE m.household_id = h.id) AS members"
        f" FROM households h{where}"
        " ORDER BY h.building, h.unit, h.room LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return {"total": total, "households": [_household_view(r) for r in rows]}


def get_household(db: sqlite_utils.Database, household_id: int) -> dict[str, Any]:
    rows = list(
        db.query(
            "SELECT id, building, unit, room, note, created_at, updated_at FROM households"
            " WHERE id = ?",
            [household_id],
        )
    )
    if not rows:
        raise NotFoundError(HOUSEHOLD.format(id=household_id))
    household = _household_view(rows[0])
    household["members"] = list(
        db.query(
            "SELECT m.id, m.name, m.phone, m.id_last4, m.has_phone, m.created_at,"
            " (SELECT MAX(p.expires_at) FROM passes p WHERE p.member_id = m.id) AS pass_until"
            " FROM members m WHERE m.household_id = ? ORDER BY m.id",
            [household_id],
        )
    )
    for member in household["members"]:
        member["has_phone"] = bool(member["has_phone"])
    return household


def add_household(
    db: sqlite_utils.Database, building: str, unit: str, room: str, note: str, now: float
) -> int:
    if db.execute(
        "SELECT 1 FROM households WHERE building = ? AND unit = ? AND room = ?",
        [building, unit, room],
    ).fetchone():
        raise InvalidInputError(HOUSEHOLD_EXISTS.format(label=address_label(building, unit, room)))
    cur = db.execute(
        "INSERT INTO households (building, unit, room, note, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (building, unit, room, note, now, now),
    )
    bump_rev(db)
    return int(cur.lastrowid or 0)


def update_household(db: sqlite_utils.Database, household_id: int, note: str, now: float) -> None:
    cur = db.execute(
        "UPDATE households SET note = ?, updated_at = ? WHERE id = ?", (note, now, household_id)
    )
    if cur.rowcount == 0:
        raise NotFoundError(HOUSEHOLD.format(id=household_id))
    bump_rev(db)


def delete_household(db: sqlite_utils.Database, household_id: int) -> None:
    """Remove a household (moved away) and its members; their passes stop naming anyone."""
    if not db.execute("SELECT 1 FROM households WHERE id = ?", [household_id]).fetchone():
        raise NotFoundError(HOUSEHOLD.format(id=household_id))
    members = "SELECT id FROM members WHERE household_id = ?"
    db.execute(f"DELETE FROM passes WHERE member_id IN ({members})", [household_id])
    db.execute("DELETE FROM household_exits WHERE household_id = ?", [household_id])
    db.execute(
        f"UPDATE manual_registrations SET member_id = NULL WHERE member_id IN ({members})",
        [household_id],
    )
    db.execute("DELETE FROM members WHERE household_id = ?", [household_id])
    db.execute("DELETE FROM visits WHERE household_id = ?", [household_id])
    db.execute("DELETE FROM households WHERE id = ?", [household_id])
    bump_rev(db)


# -- members --------------------------------------------------------------------------------------
def add_member(
    db: sqlite_utils.Database,
    household_id: int,
    *,
    name: str,
    phone: str,
    id_last4: str,
    has_phone: bool,
    now: float,
) -> int:
    household = get_household(db, household_id)
    if any(m["name"] == name for m in household["members"]):
        raise InvalidInputError(MEMBER_EXISTS.format(name=name, label=household["label"]))
    cur = db.execute(
        "INSERT INTO members (household_id, resident_id, name, phone, id_last4, has_phone,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (household_id, new_resident_id(), name, phone, id_last4, int(has_phone), now, now),
    )
    bump_rev(db)
    return int(cur.lastrowid or 0)


def update_member(
    db: sqlite_utils.Database, member_id: int, changes: dict[str, Any], now: float
) -> None:
    allowed = {"name", "phone", "id_last4", "has_phone"}
    fields = {k: (int(v) if k == "has_phone" else v) for k, v in changes.items() if k in allowed}
    if not fields:
        return
    sets = ", ".join(f"{k} = ?" for k in fields)
    cur = db.execute(
        f"UPDATE members SET {sets}, updated_at = ? WHERE id = ?",
        [*fields.values(), now, member_id],
    )
    if cur.rowcount == 0:
        raise NotFoundError(MEMBER.format(id=member_id))
    bump_rev(db)


def delete_member(db: sqlite_utils.Database, member_id: int) -> None:
    if not db.execute("SELECT 1 FROM members WHERE id = ?", [member_id]).fetchone():
        raise NotFoundError(MEMBER.format(id=member_id))
    db.execute("DELETE FROM passes WHERE member_id = ?", [member_id])
    db.execute("DELETE FROM household_exits WHERE member_id = ?", [member_id])
    db.execute("UPDATE manual_registrations SET member_id = NULL WHERE member_id = ?", [member_id])
    db.execute("DELETE FROM members WHERE id = ?", [member_id])
    bump_rev(db)


def member_by_id(db: sqlite_utils.Database, member_id: int) -> dict[str, Any]:
    rows = list(
        db.query(
            "SELECT m.id, m.resident_id, m.name, m.household_id, h.building, h.unit, h.room"
            " FROM members m JOIN households h ON h.id = m.household_id WHERE m.id = ?",
            [member_id],
        )
    )
    if not rows:
        raise NotFoundError(MEMBER.format(id=member_id))
    return _household_view(rows[0])


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    households = db.execute("SELECT COUNT(*) FROM households").fetchone()[0]
    members = db.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    return {"households": households, "members": members}
