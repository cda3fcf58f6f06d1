"""The monitor's store on SQLite: one writer connection (WAL), one reader connection."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from cloud_sync.monitor.storage.base import Cursor, SqlStorage
from cloud_sync.monitor.storage.schema import SQLITE_TYPES, STEPS, statements

Synchronous = Literal["OFF", "NORMAL", "FULL"]


def _connect(path: Path, synchronous: Synchronous) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode never corrupts; a power cut may lose the last batches, which the
    # gateways' outboxes would not re-send, so FULL is there for those who want it.
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SqliteStorage(SqlStorage):
    rewrites = (("GREATEST(", "MAX("), ("?::jsonb", "?"))

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: Synchronous = "NORMAL",
        rejected_keep: int = 10_000,
    ) -> None:
        super().__init__(rejected_keep=rejected_keep)
        self.path = Path(path)
        self.description = f"sqlite:///{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = _connect(self.path, synchronous)
        self._migrate()
        self._reader = _connect(self.path, synchronous)
        self._reader.execute("PRAGMA query_only=ON")
        self._write_lock = threading.Lock()

    def _migrate(self) -> None:
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS monitor_migrations"
                " (step TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            done = {row[0] for row in conn.execute("SELECT step FROM monitor_migrations")}
            for name, step in STEPS:
                if name in done:
                    continue
                for sql in statements(step, SQLITE_TYPES):
                    conn.execute(sql)
                conn.execute("INSERT INTO monitor_migrations VALUES (?, ?)", (name, time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _write_transaction(self) -> Iterator[Cursor]:
        with self._write_lock:
            cur = self._writer.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    @contextlib.contextmanager
    def _read_cursor(self) -> Iterator[Cursor]:
        with self._read_lock:
            yield self._reader.cursor()

    def json_text(self, name: str) -> str:
        return f"json_extract(m.envelope, '$.body.{name}')"

    def json_num(self, name: str) -> str:
        return (
            f"CASE WHEN json_type(m.envelope, '$.body.{name}') IN ('integer', 'real')"
            f" THEN json_extract(m.envelope, '$.body.{name}') END"
        )

    def json_members(self, name: str) -> tuple[str, str, str, str]:
        return (
            f"CROSS JOIN json_each(m.envelope, '$.body.{name}') AS r",
            "r.key",
            "r.value",
            f"json_type(m.envelope, '$.body.{name}') = 'object' AND r.type IN ('integer', 'real')",
        )

    def is_data_error(self, exc: BaseException) -> bool:
        return super().is_data_error(exc) or isinstance(
            exc, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.InterfaceError
        )

    def close(self) -> None:
        self.closed = True
        with self._write_lock:
            self._writer.close()
        with self._read_lock:
            self._reader.close()
