"""SQLite with one writer and a read side off the event loop.

Every write runs on one thread, each batch of queued writes in one ``BEGIN IMMEDIATE``
transaction with a savepoint per write, so one failing write never takes its neighbours down and
a burst of writes costs one commit (and one fsync) instead of many. Callers get their result only
after the commit, so an acknowledged write has reached the disk.

Reads run on the store's own small pool of reader threads, each with a read-only connection of
its own (WAL lets them run while the writer writes). :meth:`Store.read` is what code on the
event loop uses: the loop that runs the lanes never waits for the disk. :meth:`Store.read_sync`
is for threads and start-up only.
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
from typing import Any, TypeVar

import sqlite_utils

from edge.core.errors import StoreClosedError
from edge.core.migrations import MigrationSet, apply_migrations
from edge.core.sqlite import Synchronous, connect, prepare_private_file

T = TypeVar("T")
WriteFn = Callable[[sqlite_utils.Database], T]

log = logging.getLogger(__name__)

_MAX_BATCH = 256
_STOP = object()


class Store:
    """A SQLite file with a single writer thread and per-thread readers."""

    def __init__(
        self,
        path: Path | str,
        migrations: Sequence[MigrationSet[sqlite_utils.Database]],
        *,
        synchronous: Synchronous = "FULL",
        readers: int = 2,
    ) -> None:
        self.path = Path(path)
        self._migrations = list(migrations)
        self._synchronous: Synchronous = synchronous
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._reader_count = readers
        self._read_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._closed = True

    # -- life cycle -------------------------------------------------------------------------
    def open(self) -> Store:
        prepare_private_file(self.path)
        conn = connect(self.path, synchronous=self._synchronous)
        try:
            apply_migrations(sqlite_utils.Database(conn), self._migrations)
        except BaseException:
            conn.close()
            raise
        self._read_pool = concurrent.futures.ThreadPoolExecutor(
            self._reader_count, thread_name_prefix=f"sqlite-reader:{self.path.name}"
        )
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
        if self._read_pool is not None:
            self._read_pool.shutdown(wait=True, cancel_futures=True)
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
            conn = connect(self.path, synchronous=self._synchronous, read_only=True)
            with self._readers_lock:
                self._readers.append(conn)
            db = sqlite_utils.Database(conn)
            self._local.db = db
        return db

    def read_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Read on the calling thread: for threads and start-up, never on the event loop."""
        return fn(self._reader())

    async def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Read on one of the store's reader threads; the event loop goes on meanwhile."""
        pool = self._read_pool
        if self._closed or pool is None:
            raise StoreClosedError(str(self.path))
        return await asyncio.get_running_loop().run_in_executor(pool, self.read_sync, fn)
