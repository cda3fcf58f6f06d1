"""The monitor's store on PostgreSQL (psycopg 3): its dialect, one writer, one reader.

Several monitors may share one database (a shared MQTT subscription spreads the messages over
them); migrations take an advisory lock, and a batch that deadlocks with another monitor's is
run again by the write path (:attr:`Dialect.retry_errors`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from cloud_sync.monitor.storage.backend import Cursor
from cloud_sync.monitor.storage.dialect import VALUE_ERRORS, Dialect, Members, Types
from cloud_sync.monitor.storage.schema import migrate
from cloud_sync.schemas import MAX_COUNT
from edge.core import migrations
from firmware_interfaces.extras import missing_extra

try:
    import psycopg
    import psycopg.errors
    import psycopg.sql
except ModuleNotFoundError as exc:
    raise missing_extra("monitor", exc) from exc

# The key edge.core.migrations.POSTGRES takes for each migrating transaction (and the monitors
# before it took): held here for the whole adopt-then-migrate sequence, so that a monitor of
# the previous release starting at the same moment cannot slip its own migration in between.
_MIGRATION_LOCK = 0x63636D6F


def _member(name: str) -> str:
    return f"m.envelope->'body'->'{name}'"


def _count(value: str) -> str:
    # Nested CASEs fix the order: the numeric cast only ever sees a JSON number, and only a
    # number in range reaches double precision (1e400 would overflow it and fail the read).
    return (
        f"CASE WHEN jsonb_typeof({value}) = 'number' THEN"
        f" CASE WHEN ({value})::numeric BETWEEN 0 AND {MAX_COUNT}"
        f" THEN ({value})::numeric::double precision END END"
    )


def _members_of(name: str) -> Members:
    return Members(
        join=(
            "CROSS JOIN LATERAL jsonb_each(CASE"
            f" WHEN jsonb_typeof({_member(name)}) = 'object'"
            f" THEN {_member(name)} ELSE '{{}}'::jsonb END) AS r"
        ),
        key="r.key",
        value=_count("r.value"),
        condition=f"({_count('r.value')}) IS NOT NULL",
    )


POSTGRES = Dialect(
    name="postgresql",
    runner=migrations.POSTGRES,
    types=Types("DOUBLE PRECISION", "BIGINT", "JSONB", "BIGSERIAL PRIMARY KEY"),
    legacy_exists="SELECT to_regclass('monitor_migrations') IS NOT NULL",
    greatest="GREATEST",
    json_param="%s::jsonb",
    text_at=lambda name: f"(m.envelope->'body'->>'{name}')",
    count_at=lambda name: _count(_member(name)),
    members_of=_members_of,
    # SUM of a BIGINT is a NUMERIC here: it does not overflow.
    wide_sum=lambda expr: f"SUM({expr})",
    data_errors=(
        *VALUE_ERRORS,
        psycopg.DataError,
        psycopg.IntegrityError,
        psycopg.errors.UntranslatableCharacter,
    ),
    retry_errors=(psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure),
)


class PostgresBackend:
    dialect = POSTGRES

    def __init__(self, conninfo: str, *, schema: str | None = None) -> None:
        self.conninfo = conninfo
        self.schema = schema
        self.description = "postgresql" + (f" (schema {schema})" if schema else "")
        self.closed = False
        self._read_lock = threading.Lock()
        self.adopted, self.migrated = self._migrate()
        self._writer = self._connect(autocommit=False)
        self._reader: psycopg.Connection[Any] | None = None

    def _connect(self, *, autocommit: bool) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.conninfo, autocommit=True)
        if self.schema:
            ident = psycopg.sql.Identifier(self.schema)
            # Two monitors starting together may both create it: the loser's error is harmless.
            with contextlib.suppress(psycopg.errors.UniqueViolation):
                conn.execute(psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
            conn.execute(psycopg.sql.SQL("SET search_path TO {}").format(ident))
        conn.autocommit = autocommit
        return conn

    def _migrate(self) -> tuple[list[str], list[str]]:
        conn = self._connect(autocommit=True)  # the runner opens and ends its transactions
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            done = migrate(conn, POSTGRES)
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
            return done
        finally:
            conn.close()

    def _ensure_writer(self) -> psycopg.Connection[Any]:
        if self._writer.closed or self._writer.broken:
            self._writer = self._connect(autocommit=False)
        return self._writer

    @contextlib.contextmanager
    def write_transaction(self) -> Iterator[Cursor]:
        conn = self._ensure_writer()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    @contextlib.contextmanager
    def read_cursor(self) -> Iterator[Cursor]:
        with self._read_lock:
            if self._reader is None or self._reader.closed or self._reader.broken:
                self._reader = self._connect(autocommit=True)
            with self._reader.cursor() as cur:
                yield cur

    def close(self) -> None:
        self.closed = True
        self._writer.close()
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
