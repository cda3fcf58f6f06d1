"""SQLite with one writer.

Every write runs on one thread, each batch of queued writes in one ``BEGIN IMMEDIATE``
transaction with a savepoint per write, so one failing write never takes its neighbours down and
a burst of writes costs one commit (and one fsync) instead of many. Callers get their result only
after the commit, so an acknowledged write has reached the disk. Reads use per-thread connections
of their own; WAL mode lets them run while the writer writes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

import sqlite_utils

from edge.store.errors import StoreClosedError
from edge.store.migrations import MigrationSet, apply_migrations

T = TypeVar("T")
WriteFn = Callable[[sqlite_utils.Database], T]
Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]

log = logging.getLogger(__name__)

_MAX_BATCH = 256
_STOP = object()


def _connect(path: Path, synchronous: Synchronous) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed decision survives a power cut; NORMAL only guarantees no corruption.
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Store:
    """A SQLite file with a single writer thread and per-thread readers."""

    def __init__(
        self,
        path: Path | str,
        migrations: Sequence[MigrationSet],
        *,
        synchronous: Synchronous = "FULL",
    ) -> None:
        self.path = Path(path)
        self._migrations = list(migrations)
        self._synchronous: Synchronous = synchronous
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = True

    # -- life cycle -------------------------------------------------------------------------
    def open(self) -> Store:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(self.path, self._synchronous)
        apply_migrations(sqlite_utils.Database(conn), self._migrations)
        self._closed = False
        self._writer = threading.Thread(
            target=self._write_loop,
            args=(conn,),
            name=f"sqlite-writer:{self.path.name}",
            daemon=True,
        )
        self._writer.start()
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_STOP)
        if self._writer is not None:
            self._writer.join()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def __enter__(self) -> Store:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writes -----------------------------------------------------------------------------
    def submit(self, fn: WriteFn[T]) -> concurrent.futures.Future[T]:
        """Queue a write; the future completes after its transaction commits."""
        if self._closed:
            raise StoreClosedError(str(self.path))
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, future))
        return future

    async def write(self, fn: WriteFn[T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def write_sync(self, fn: WriteFn[T]) -> T:
        return self.submit(fn).result()

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        db = sqlite_utils.Database(conn)
        while True:
            job = self._jobs.get()
            if job is _STOP:
                break
            batch = [job]
            stop = False
            while len(batch) < _MAX_BATCH:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)
            self._run_batch(conn, db, batch)
            if stop:
                break
        conn.close()

    @staticmethod
    def _run_batch(conn: sqlite3.Connection, db: sqlite_utils.Database, batch: list[Any]) -> None:
        outcomes: list[tuple[concurrent.futures.Future[Any], bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for fn, future in batch:
                conn.execute("SAVEPOINT job")
                try:
                    result = fn(db)
                except BaseException as exc:  # handed to the caller, not swallowed
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((future, False, exc))
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((future, True, result))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            log.exception("SQLite write batch failed")
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for _fn, future in batch:
                with contextlib.suppress(concurrent.futures.InvalidStateError):
                    future.set_exception(exc)
            return
        for future, ok, value in outcomes:
            # A caller that stopped waiting cancelled its future; the write is committed anyway.
            with contextlib.suppress(concurrent.futures.InvalidStateError):
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    # -- reads ------------------------------------------------------------------------------
    def _reader(self) -> sqlite_utils.Database:
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise StoreClosedError(str(self.path))
            conn = _connect(self.path, self._synchronous)
            conn.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                self._readers.append(conn)
            db = sqlite_utils.Database(conn)
            self._local.db = db
        return db

    def read_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        return fn(self._reader())

    async def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        return await asyncio.to_thread(self.read_sync, fn)
