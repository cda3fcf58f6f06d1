"""What the gateway holds of each distributed stream, on disk (tables of the ``uplink`` set).

``dist_streams``: per (kind, scope) the version held and the last outcome, as acknowledged to
the centre. ``dist_blobs``: the compressed payloads that make the value held: the last snapshot
and the deltas after it, so a restart rebuilds exactly what was in force. After enough deltas
the receiver writes the value as a snapshot of its own and the older blobs go.

Functions take a ``sqlite_utils.Database`` and run inside ``Store.write`` / ``Store.read``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True, slots=True)
class StreamRow:
    kind: str
    scope: str
    held: int
    held_at: float | None
    status: str
    reason: str
    item_version: int | None
    refused_version: int | None
    refused_reason: str
    refused_at: float | None


@dataclass(frozen=True, slots=True)
class Blob:
    version: int
    mode: str
    base: int
    payload: bytes


_COLUMNS = (
    "kind, scope, held, held_at, status, reason, item_version, refused_version,"
    " refused_reason, refused_at"
)


def load(db: sqlite_utils.Database) -> tuple[list[StreamRow], dict[tuple[str, str], list[Blob]]]:
    """Every stream's row, and its blobs from the last snapshot on, oldest first."""
    rows = [StreamRow(*r) for r in db.execute(f"SELECT {_COLUMNS} FROM dist_streams")]  # noqa: S608 (constant)
    blobs: dict[tuple[str, str], list[Blob]] = {}
    for kind, scope, version, mode, base, payload in db.execute(
        "SELECT kind, scope, version, mode, base, payload FROM dist_blobs"
        " ORDER BY kind, scope, version"
    ):
        found = blobs.setdefault((kind, scope), [])
        if mode == "snapshot":
            found.clear()
        found.append(Blob(version, mode, base, bytes(payload)))
    return rows, blobs


def save_stream(db: sqlite_utils.Database, row: StreamRow) -> None:
    db.execute(
        f"INSERT OR REPLACE INTO dist_streams ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
        [
            row.kind,
            row.scope,
            row.held,
            row.held_at,
            row.status,
            row.reason,
            row.item_version,
            row.refused_version,
            row.refused_reason,
            row.refused_at,
        ],
    )


def save_blob(db: sqlite_utils.Database, kind: str, scope: str, blob: Blob, now: float) -> None:
    """Keep ``blob``; a snapshot makes every older blob of the stream useless: they go."""
    if blob.mode == "snapshot":
        db.execute(
            "DELETE FROM dist_blobs WHERE kind = ? AND scope = ? AND version <= ?",
            [kind, scope, blob.version],
        )
    db.execute(
        "INSERT OR REPLACE INTO dist_blobs (kind, scope, version, mode, base, payload, stored_at)"
        " VALUES (?,?,?,?,?,?,?)",
        [kind, scope, blob.version, blob.mode, blob.base, blob.payload, now],
    )
