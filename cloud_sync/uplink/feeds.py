"""Feeds: records the uplink reads from other parts' tables, as it reads screenings.

A part that wants its records at the centre hands the uplink a :class:`Feed`; on every tick, in
the same transaction as the outbox rows it makes, the uplink asks each feed for what changed
after the cursor it keeps for it (``uplink_state``, ``feed:<name>``) and moves the cursor on.
So a record committed by the part reaches the outbox exactly once, whatever the bus dropped, a
burst or a restart. A feed is anything with a ``name`` and a ``changes`` method; parts need not
import the uplink.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import sqlite_utils

from cloud_sync.uplink import outbox
from cloud_sync.uplink.outbox import Outgoing

Record = tuple[str, str, dict[str, Any]]  # stream, key, body

#: How many records one feed gives in one transaction (the tick asks again while there are more)
BATCH = 500


class Feed(Protocol):
    name: str

    def changes(
        self, db: sqlite_utils.Database, after: int, limit: int
    ) -> tuple[list[Record], int]:
        """Records changed after ``after`` (at most ``limit``), and the cursor after them."""
        ...


def pull(db: sqlite_utils.Database, feeds: Sequence[Feed], synced: bool) -> list[Outgoing]:
    """Every feed's next records as outgoing messages; the cursors move in this transaction."""
    out: list[Outgoing] = []
    for feed in feeds:
        state = f"feed:{feed.name}"
        cursor = int(outbox.get_state(db, state, 0))
        records, after = feed.changes(db, cursor, BATCH)
        if after != cursor:
            outbox.set_state(db, state, after)
        out.extend(Outgoing(stream, key, body, synced) for stream, key, body in records)
    return out
