"""The monitor's store on SQLite: one writer connection (WAL), one reader connection."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from cloud_sync.monitor.storage.base import Cursor, SqlStorage
from cloud_sync.monitor.storage.schema import SQLITE_TYPES, migrate
from edge.core import migrations
from edge.core.sqlite import Synchronous, connect

LEGACY_EXISTS = (
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'monitor_migrations'"
)


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
        # NORMAL in WAL mode never corrupts; a power cut may lose the last batches, which the
        # gateways' outboxes would not re-send, so FULL is there for those who want it.
        self._writer = connect(self.path, synchronous=synchronous)
        self.adopted, self.migrated = migrate(
            self._writer, migrations.SQLITE, SQLITE_TYPES, LEGACY_EXISTS
        )
        self._reader = connect(self.path, synchronous=synchronous, read_only=True)
        self._write_lock = threading.Lock()

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
