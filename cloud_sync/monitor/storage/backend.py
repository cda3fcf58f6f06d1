"""What the write path and the query catalogue need of a database: two kinds of cursor.

:mod:`.sqlite` and :mod:`.postgres` each provide one :class:`Backend`: a writer connection
(one transaction per :meth:`Backend.write_transaction`, used by one thread at a time) and a
reader connection of its own, so the dashboard's reads never wait behind a batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Protocol

from cloud_sync.monitor.errors import StorageError
from cloud_sync.monitor.storage.dialect import Dialect

Row = dict[str, Any]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Any: ...

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Backend(Protocol):
    dialect: Dialect
    description: str  # for logs and /api/summary: "sqlite:///centre.db", "postgresql"
    closed: bool
    adopted: list[str]  # migration steps an older monitor had recorded (see schema.py)
    migrated: list[str]  # migration steps this opening applied

    def write_transaction(self) -> contextlib.AbstractContextManager[Cursor]: ...
    def read_cursor(self) -> contextlib.AbstractContextManager[Cursor]: ...
    def close(self) -> None: ...


def read_rows(backend: Backend, doing: str, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """``sql``'s rows as dicts, on the backend's reader; any failure is a :class:`StorageError`
    saying what was being done (``doing``: "reading who has heard", ...)."""
    if backend.closed:
        raise StorageError(doing, RuntimeError(f"{backend.description} is closed"))
    try:
        with backend.read_cursor() as cur:
            cur.execute(sql, params)
            names = [col[0] for col in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except Exception as exc:
        raise StorageError(doing, exc) from exc
