"""Schema migrations, applied in order at start-up, each recorded once.

Each part of the system (screenings, storeroom, outbox, ...) owns a named :class:`MigrationSet`,
so parts evolve their tables without knowing about each other (as sqlite-utils' migrations do).
Steps are append-only: never edit or reorder a step that has shipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from edge.store.errors import MigrationError

Step = Callable[[sqlite_utils.Database], None]


@dataclass
class MigrationSet:
    name: str
    steps: list[tuple[str, Step]] = field(default_factory=list)

    def __call__(self, fn: Step) -> Step:
        """Register ``fn`` as the next step (use as a decorator)."""
        self.steps.append((fn.__name__, fn))
        return fn


def apply_migrations(db: sqlite_utils.Database, sets: Sequence[MigrationSet]) -> list[str]:
    """Apply every step not yet applied; return the ``set:step`` names applied now."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations ("
            " migration_set TEXT NOT NULL, step TEXT NOT NULL, applied_at REAL NOT NULL,"
            " PRIMARY KEY (migration_set, step))"
        )
        done = {
            (row[0], row[1]) for row in conn.execute("SELECT migration_set, step FROM _migrations")
        }
        applied: list[str] = []
        for mset in sets:
            for name, step in mset.steps:
                if (mset.name, name) in done:
                    continue
                try:
                    step(db)
                except Exception as exc:
                    raise MigrationError(mset.name, name, exc) from exc
                conn.execute(
                    "INSERT INTO _migrations VALUES (?, ?, ?)", (mset.name, name, time.time())
                )
                applied.append(f"{mset.name}:{name}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return applied
