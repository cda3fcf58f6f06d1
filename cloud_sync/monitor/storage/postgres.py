"""The monitor's store on PostgreSQL (psycopg 3): one writer connection, one reader connection.

Several monitors may share one database (a shared MQTT subscription spreads the messages over
them); migrations take an advisory lock, and a batch that deadlocks with another monitor's is
retried.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import psycopg.errors
import psycopg.sql

from cloud_sync.monitor.storage.base import Cursor, SqlStorage
from cloud_sync.monitor.storage.schema import POSTGRES_TYPES, migrate
from edge.core import migrations

# The key edge.core.migrations.POSTGRES takes for each migrating transaction (and the monitors
# before it took): held here for the whole adopt-then-migrate sequence, so that a monitor of
# the previous release starting at the same moment cannot slip its own migration in between.
_MIGRATION_LOCK = 0x63636D6F
_RETRIES = 5
LEGACY_EXISTS = "SELECT to_regclass('monitor_migrations') IS NOT NULL"


class PostgresStorage(SqlStorage):
    rewrites = (("?", "%s"),)

    def __init__(self, conninfo: str, *, schema: str | None = None, rejected_keep: int = 10_000):
        super().__init__(rejected_keep=rejected_keep)
        self.conninfo = conninfo
        self.schema = schema
        self.description = "postgresql" + (f" (schema {schema})" if schema else "")
        self._migrate()
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

    def _migrate(self) -> None:
        conn = self._connect(autocommit=True)  # the runner opens and ends its transactions
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            self.adopted, self.migrated = migrate(
                conn, migrations.POSTGRES, POSTGRES_TYPES, LEGACY_EXISTS
            )
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
        finally:
            conn.close()

    def _ensure_writer(self) -> psycopg.Connection[Any]:
        if self._writer.closed or self._writer.broken:
            self._writer = self._connect(autocommit=False)
        return self._writer

    @contextlib.contextmanager
    def _write_transaction(self) -> Iterator[Cursor]:
        conn = self._ensure_writer()
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def _apply_batch(self, items: Any) -> Any:
        for attempt in range(_RETRIES):
            try:
                return super()._apply_batch(items)
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _read_cursor(self) -> Iterator[Cursor]:
        with self._read_lock:
            if self._reader is None or self._reader.closed or self._reader.broken:
                self._reader = self._connect(autocommit=True)
            with self._reader.cursor() as cur:
                yield cur

    def json_text(self, name: str) -> str:
        return f"(m.envelope->'body'->>'{name}')"

    def json_num(self, name: str) -> str:
        return (
            f"CASE WHEN jsonb_typeof(m.envelope->'body'->'{name}') = 'number'"
            f" THEN (m.envelope->'body'->>'{name}')::double precision END"
        )

    def json_members(self, name: str) -> tuple[str, str, str, str]:
        return (
            "CROSS JOIN LATERAL jsonb_each(CASE"
            f" WHEN jsonb_typeof(m.envelope->'body'->'{name}') = 'object'"
            f" THEN m.envelope->'body'->'{name}' ELSE '{{}}'::jsonb END) AS r",
            "r.key",
            "(r.value::text)::double precision",
            "jsonb_typeof(r.value) = 'number'",
        )

    def is_data_error(self, exc: BaseException) -> bool:
        return super().is_data_error(exc) or isinstance(
            exc, psycopg.DataError | psycopg.IntegrityError | psycopg.errors.UntranslatableCharacter
        )

    def close(self) -> None:
        self.closed = True
        self._writer.close()
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
