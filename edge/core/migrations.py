"""Schema migrations: one runner for every database of the system, steps with explicit ids.

Each part (the checkpoint's screenings, the storeroom, the uplink's outbox, the central
monitor's tables) owns a named :class:`MigrationSet`, so parts evolve their tables without
knowing about each other, as sqlite-utils' migrations do. A step's id is written once, by hand,
and recorded in ``_migrations`` when the step is applied: renaming the function that does the
work never re-runs it. Steps are append-only: never edit, remove or reorder a shipped step.

The runner works on SQLite (the gateway, the monitor's default) and PostgreSQL (the monitor at
scale) through a :class:`Dialect`: how to open the transaction that serialises two processes
migrating the same database at once, and how to write a query parameter. Whatever object a
step needs (a ``sqlite_utils.Database``, a DB-API connection) is what the caller hands in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from edge.core.errors import MigrationError

H = TypeVar("H", bound="Executor")
_STEP_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class Executor(Protocol):
    """What the runner needs of a connection: sqlite3, sqlite-utils and psycopg all fit."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    #: statements that open the migration transaction and lock out another migrator
    begin: tuple[str, ...]
    param: str  # the query-parameter placeholder
    real: str  # the column type of a timestamp in seconds


SQLITE = Dialect("sqlite", ("BEGIN IMMEDIATE",), "?", "REAL")
POSTGRES = Dialect(
    "postgresql",
    # Several monitors may start together on one database; the lock makes them take turns.
    ("BEGIN", "SELECT pg_advisory_xact_lock(1667460463)"),
    "%s",
    "DOUBLE PRECISION",
)


@dataclass(frozen=True, slots=True)
class Step(Generic[H]):
    id: str
    apply: Callable[[H], None]


@dataclass
class MigrationSet(Generic[H]):
    """The ordered steps of one part's tables. Add steps with :meth:`step`."""

    name: str
    steps: list[Step[H]] = field(default_factory=list)

    def step(self, step_id: str) -> Callable[[Callable[[H], None]], Callable[[H], None]]:
        """Register the decorated function as the next step, recorded as ``step_id``."""

        def register(fn: Callable[[H], None]) -> Callable[[H], None]:
            self.add(step_id, fn)
            return fn

        return register

    def add(self, step_id: str, fn: Callable[[H], None]) -> None:
        if not _STEP_ID.match(step_id):
            raise ValueError(f"migration step id {step_id!r} must be 1-100 of [A-Za-z0-9_.-]")
        if any(s.id == step_id for s in self.steps):
            raise ValueError(f"migration set {self.name!r} already has a step {step_id!r}")
        self.steps.append(Step(step_id, fn))

    def __iter__(self) -> Iterator[Step[H]]:
        return iter(self.steps)


def apply_migrations(
    handle: H, sets: Sequence[MigrationSet[H]], *, dialect: Dialect = SQLITE
) -> list[str]:
    """Apply, in one transaction, every step not yet applied; return ``set:step`` of each.

    ``handle`` must be in autocommit mode (the runner opens and ends its own transaction).
    A failing step rolls back every step of this run and raises :class:`MigrationError`.
    """
    p = dialect.param
    for statement in dialect.begin:
        handle.execute(statement)
    try:
        handle.execute(
            "CREATE TABLE IF NOT EXISTS _migrations ("
            " migration_set TEXT NOT NULL, step TEXT NOT NULL,"
            f" applied_at {dialect.real} NOT NULL,"
            " PRIMARY KEY (migration_set, step))"
        )
        rows = handle.execute("SELECT migration_set, step FROM _migrations").fetchall()
        done = {(row[0], row[1]) for row in rows}
        applied: list[str] = []
        for mset in sets:
            for step in mset:
                if (mset.name, step.id) in done:
                    continue
                try:
                    step.apply(handle)
                except Exception as exc:
                    raise MigrationError(mset.name, step.id, exc) from exc
                handle.execute(
                    f"INSERT INTO _migrations VALUES ({p}, {p}, {p})",  # noqa: S608
                    (mset.name, step.id, time.time()),
                )
                applied.append(f"{mset.name}:{step.id}")
        handle.execute("COMMIT")
    except BaseException:
        handle.execute("ROLLBACK")
        raise
    return applied
