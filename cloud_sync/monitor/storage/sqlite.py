"""The monitor's store on SQLite: its dialect, one writer connection (WAL), one reader."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from cloud_sync.monitor.storage.backend import Cursor
from cloud_sync.monitor.storage.dialect import VALUE_ERRORS, Dialect, Members, Types
from cloud_sync.monitor.storage.schema import migrate
from cloud_sync.schemas import MAX_COUNT
from edge.core import migrations
from edge.core.sqlite import Synchronous, connect


def _text_at(name: str) -> str:
    return f"json_extract(m.envelope, '$.body.{name}')"


def _count_at(name: str) -> str:
    value = f"json_extract(m.envelope, '$.body.{name}')"
    # 1e400 in a stored body reads as an infinite REAL: outside the range, so not counted.
    return (
        f"CASE WHEN json_type(m.envelope, '$.body.{name}') IN ('integer', 'real')"
        f" AND {value} BETWEEN 0 AND {MAX_COUNT} THEN {value} END"
    )


def _members_of(name: str) -> Members:
    return Members(
        join=f"CROSS JOIN json_each(m.envelope, '$.body.{name}') AS r",
        key="r.key",
        value=f"CASE WHEN r.value BETWEEN 0 AND {MAX_COUNT} THEN r.value END",
        condition=(
            f"json_type(m.envelope, '$.body.{name}') = 'object' AND r.type IN ('integer', 'real')"
            f" AND r.value BETWEEN 0 AND {MAX_COUNT}"
        ),
    )


SQLITE = Dialect(
    name="sqlite",
    runner=migrations.SQLITE,
    types=Types("REAL", "INTEGER", "TEXT", "INTEGER PRIMARY KEY AUTOINCREMENT"),
    legacy_exists=(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'monitor_migrations'"
    ),
    greatest="MAX",
    json_param="?",
    text_at=_text_at,
    count_at=_count_at,
    members_of=_members_of,
    # TOTAL is SQLite's SUM that returns a float and never raises "integer overflow".
    wide_sum=lambda expr: f"TOTAL({expr})",
    data_errors=(*VALUE_ERRORS, sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError),
)


class SqliteBackend:
    dialect = SQLITE

    def __init__(self, path: Path | str, *, synchronous: Synchronous = "NORMAL") -> None:
        self.path = Path(path)
        self.description = f"sqlite:///{self.path}"
        self.closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # NORMAL in WAL mode never corrupts; a power cut may lose the last batches, which the
        # gateways' outboxes would not re-send, so FULL is there for those who want it.
        self._writer = connect(self.path, synchronous=synchronous)
        self.adopted, self.migrated = migrate(self._writer, SQLITE)
        self._reader = connect(self.path, synchronous=synchronous, read_only=True)
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()

    @contextlib.contextmanager
    def write_transaction(self) -> Iterator[Cursor]:
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
    def read_cursor(self) -> Iterator[Cursor]:
        with self._read_lock:
            yield self._reader.cursor()

    def close(self) -> None:
        self.closed = True
        with self._write_lock:
            self._writer.close()
        with self._read_lock:
            self._reader.close()
