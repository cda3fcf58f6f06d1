"""SQLite with one writer, a read side off the event loop, and storage trouble survived.

Every write runs on one thread, each batch of queued writes in one ``BEGIN IMMEDIATE``
transaction with a savepoint per write, so one failing write never takes its neighbours down and
a burst of writes costs one commit (and one fsync) instead of many. Callers get their result only
after the commit, so an acknowledged write has reached the disk.

Reads run on the store's own small pool of reader threads, each with a read-only connection of
its own (WAL lets them run while the writer writes). :meth:`Store.read` is what code on the
event loop uses: the loop that runs the lanes never waits for the disk. :meth:`Store.read_sync`
is for threads and start-up only.

A full, read-only or failing card does not stop the gateway. :meth:`Store.start` comes up even
when the database cannot be opened, and the writer thread keeps trying; while the storage is
unusable, writes fail at once with :class:`StorageUnavailableError` (callers keep what they
could not write and say so), :attr:`Store.health` says what is wrong in words, and listeners
hear each change. When space returns or the card is back, the next write (or the writer's own
probe every ``retry_s``) succeeds and the health is good again, without a restart.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import sqlite_utils

from edge.core.errors import StoreClosedError
from edge.core.migrations import MigrationSet, apply_migrations
from edge.core.sqlite import Synchronous, connect, prepare_private_file
from edge.core.storage_health import (
    StorageHealth,
    StorageProblem,
    StorageUnavailableError,
    classify,
    diagnose,
)

T = TypeVar("T")
WriteFn = Callable[[sqlite_utils.Database], T]
HealthListener = Callable[[StorageHealth], None]

log = logging.getLogger(__name__)

_MAX_BATCH = 256
_TRUNCATE_WAIT_MS = 2000  # how long the log's truncation waits for readers and the writer
_STOP = object()
#: Problems after which the writer's connection is not trusted: it is closed and reopened.
_REOPEN_AFTER = (StorageProblem.IO_ERROR, StorageProblem.CANNOT_OPEN, StorageProblem.READ_ONLY)


class Store:
    """A SQLite file with a single writer thread and per-thread readers."""

    def __init__(
        self,
        path: Path | str,
        migrations: Sequence[MigrationSet[sqlite_utils.Database]],
        *,
        synchronous: Synchronous = "FULL",
        readers: int = 2,
        retry_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._migrations = list(migrations)
        self._synchronous: Synchronous = synchronous
        self._retry_s = retry_s
        self._clock = clock
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._reader_count = readers
        self._read_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._listeners: list[HealthListener] = []
        self.health = StorageHealth(str(self.path))
        self._closed = True

    # -- life cycle -------------------------------------------------------------------------
    def open(self) -> Store:
        """Open and migrate now; raise if the database cannot be used (tools, tests)."""
        self._begin(self._connect())
        return self

    def start(self) -> Store:
        """Open, or come up without the database and keep trying (the gateway in the field).

        Only storage trouble is survived; a failing migration (a bug) still raises.
        """
        try:
            conn = self._connect()
        except Exception as exc:
            problem = self._storage_problem(exc)
            if problem is None:
                raise
            self._set_health(problem)
            log.error("%s; screening goes on, decisions wait in memory", self.health.what)
            conn = None
        self._begin(conn)
        return self

    def _connect(self) -> sqlite3.Connection:
        prepare_private_file(self.path)
        conn = connect(self.path, synchronous=self._synchronous)
        try:
            apply_migrations(sqlite_utils.Database(conn), self._migrations)
        except BaseException:
            conn.close()
            raise
        return conn

    def _begin(self, conn: sqlite3.Connection | None) -> None:
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

    # -- health -----------------------------------------------------------------------------
    def add_health_listener(self, listener: HealthListener) -> None:
        """Call ``listener`` (on the writer's thread) whenever the health changes."""
        self._listeners.append(listener)

    def _set_health(self, problem: StorageProblem | None) -> None:
        if problem == self.health.problem:
            return
        before = self.health
        self.health = StorageHealth(str(self.path), problem, self._clock())
        if problem is None:
            log.warning(
                "storage usable again: %s (since %.0f s)", self.path, time.time() - before.since
            )
        else:
            log.error("%s: %s", self.health.what, self.health.advice)
        for listener in list(self._listeners):
            try:
                listener(self.health)
            except Exception:
                log.exception("storage health listener failed")

    def _storage_problem(self, exc: BaseException) -> StorageProblem | None:
        cause: BaseException | None = exc
        while cause is not None:  # a MigrationError wraps what SQLite said
            problem = classify(cause)
            if problem is StorageProblem.IO_ERROR:
                # SQLite's "disk I/O error" may be a full or read-only card: ask the folder.
                return diagnose(self.path.parent) or problem
            if problem is not None:
                return problem
            cause = cause.__cause__
        return None

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

    def _write_loop(self, conn: sqlite3.Connection | None) -> None:
        while True:
            if conn is None:
                conn = self._try_reopen()
            try:
                job = self._jobs.get(timeout=None if self.health.ok else self._retry_s)
            except queue.Empty:
                if conn is not None:
                    conn = self._probe(conn)
                continue
            if job is _STOP:
                break
            batch, stop = self._more(job)
            if conn is None:
                self._refuse(batch)
            else:
                conn = self._run_batch(conn, batch)
            if stop:
                break
        if conn is not None:
            conn.close()

    def _more(self, first: Any) -> tuple[list[Any], bool]:
        batch = [first]
        while len(batch) < _MAX_BATCH:
            try:
                more = self._jobs.get_nowait()
            except queue.Empty:
                break
            if more is _STOP:
                return batch, True
            batch.append(more)
        return batch, False

    def _refuse(self, batch: list[Any]) -> None:
        error = StorageUnavailableError(self.health)
        for _fn, future in batch:
            with contextlib.suppress(concurrent.futures.InvalidStateError):
                future.set_exception(error)

    def _try_reopen(self) -> sqlite3.Connection | None:
        try:
            conn = self._connect()
        except Exception as exc:
            problem = self._storage_problem(exc)
            if problem is None:
                log.exception("the database %s cannot be opened", self.path)
                problem = StorageProblem.CANNOT_OPEN
            self._set_health(problem)
            return None
        self._set_health(None)
        return conn

    def _probe(self, conn: sqlite3.Connection) -> sqlite3.Connection | None:
        """While the storage is failing and nobody writes: does a small write work yet?"""
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _store_probe (id INTEGER PRIMARY KEY, at REAL)"
            )
            conn.execute("INSERT OR REPLACE INTO _store_probe VALUES (1, ?)", (time.time(),))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            return self._after_failure(conn, exc)
        self._set_health(None)
        return conn

    def _after_failure(
        self, conn: sqlite3.Connection, exc: BaseException
    ) -> sqlite3.Connection | None:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        problem = self._storage_problem(exc)
        if problem is None:
            return conn
        self._set_health(problem)
        if problem in _REOPEN_AFTER:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            return None
        return conn

    def _run_batch(self, conn: sqlite3.Connection, batch: list[Any]) -> sqlite3.Connection | None:
        db = sqlite_utils.Database(conn)
        outcomes: list[tuple[concurrent.futures.Future[Any], bool, Any]] = []
        trouble: BaseException | None = None
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
                    if trouble is None and self._storage_problem(exc) is not None:
                        trouble = exc
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((future, True, result))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._storage_problem(exc) is None:
                log.exception("SQLite write batch failed")
            after = self._after_failure(conn, exc)
            error: BaseException = exc
            if not self.health.ok:
                error = StorageUnavailableError(self.health)
                error.__cause__ = exc
            for _fn, future in batch:
                with contextlib.suppress(concurrent.futures.InvalidStateError):
                    future.set_exception(error)
            return after
        if trouble is not None:
            self._set_health(self._storage_problem(trouble))
        elif not self.health.ok:
            self._set_health(None)  # a batch committed: the storage works again
        for future, ok, value in outcomes:
            # A caller that stopped waiting cancelled its future; the write is committed anyway.
            with contextlib.suppress(concurrent.futures.InvalidStateError):
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        return conn

    # -- reads ------------------------------------------------------------------------------
    def _reader(self) -> sqlite_utils.Database:
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise StoreClosedError(str(self.path))
            try:
                conn = connect(self.path, synchronous=self._synchronous, read_only=True)
            except sqlite3.Error as exc:
                if self._storage_problem(exc) is None:
                    raise
                raise StorageUnavailableError(self.health) from exc
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

    async def truncate_wal(self) -> bool:
        """Copy the write-ahead log into the database and empty it, after personal data was
        purged: with ``secure_delete`` the purged bytes are zeroed in the database's pages,
        and the log's older copies of those pages go with it. False when readers or the
        writer held it up for longer than a moment (the next purge tries again)."""
        pool = self._read_pool
        if self._closed or pool is None:
            raise StoreClosedError(str(self.path))

        def truncate() -> bool:
            conn = connect(self.path, synchronous=self._synchronous)
            try:
                conn.execute(f"PRAGMA busy_timeout={_TRUNCATE_WAIT_MS}")
                busy, _frames, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                return bool(busy == 0)
            finally:
                conn.close()

        return await asyncio.get_running_loop().run_in_executor(pool, truncate)

    async def after_purge(self) -> None:
        """:meth:`truncate_wal` after a part purged personal data; never raises: a log that
        could not be emptied is said in the log, and the next purge tries again."""
        try:
            emptied = await self.truncate_wal()
        except Exception as exc:
            log.warning(
                "%s: the write-ahead log was not emptied after the purge: %s", self.path, exc
            )
            return
        if not emptied:
            log.warning(
                "%s: the write-ahead log was busy after the purge; emptied at the next one",
                self.path,
            )
