"""Sessions and changed passwords in an :mod:`edge.core` store (the gateway's SQLite file, or
a file of the monitor's own), through the store's one writer.

Changed passwords are an overlay on the users file, which stays the source of accounts: a row
holds the new hash and the file's hash it replaced. When the file's hash for that user is no
longer the one replaced (an administrator set a new one in the file, say after a forgotten
password), the file wins and the row is dropped. Why not rewrite the users file? It lives with
the configuration, which the service should not be able to write (``/etc``, read-only under
systemd's ``ProtectSystem``), and a half-written users file would lock everyone out.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from edge.auth.sessions import Session
from edge.core.errors import StoreError
from edge.core.migrations import MigrationSet
from edge.core.storage_health import StorageUnavailableError
from edge.core.store import Store

log = logging.getLogger(__name__)

#: what a store that is full, read-only or failing raises
STORAGE_ERRORS = (StoreError, StorageUnavailableError, sqlite3.Error, OSError)

MIGRATIONS: MigrationSet[sqlite_utils.Database] = MigrationSet("auth")


@MIGRATIONS.step("create_sessions")
def create_sessions(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE auth_sessions (
            key TEXT PRIMARY KEY,      -- HMAC-SHA256 of the token; the token is never stored
            username TEXT NOT NULL,
            client TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX auth_sessions_expires_at ON auth_sessions (expires_at)")


@MIGRATIONS.step("create_password_changes")
def create_password_changes(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE auth_password_changes (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            replaces_hash TEXT NOT NULL,  -- the users file's hash this one stands in for
            changed_at REAL NOT NULL
        )"""
    )


def _remove(db: sqlite_utils.Database, keys: Sequence[str]) -> None:
    for start in range(0, len(keys), 500):
        part = list(keys[start : start + 500])
        marks = ", ".join("?" for _ in part)
        db.execute(f"DELETE FROM auth_sessions WHERE key IN ({marks})", part)  # noqa: S608


class StoreSessions:
    """:class:`edge.auth.sessions.SessionBackend` on a store with :data:`MIGRATIONS`.

    A failing store must not keep staff off the page (screening goes on without the disk):
    a session that cannot be stored lives in memory and ends at the next restart, and that is
    logged. An ending that cannot be stored is logged as an error: the session is over in this
    process, but would come back after a restart.
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    async def load(self, now: float) -> list[Session]:
        def read(db: sqlite_utils.Database) -> list[Session]:
            rows = db.execute(
                "SELECT key, username, client, created_at, expires_at FROM auth_sessions"
                " WHERE expires_at > ?",
                [now],
            ).fetchall()
            return [Session(*row) for row in rows]

        try:
            return await self._store.read(read)
        except STORAGE_ERRORS as exc:
            log.warning("stored sessions could not be read (%s): everyone logs in again", exc)
            return []

    async def add(self, session: Session, *, drop: Sequence[str], now: float) -> None:
        def write(db: sqlite_utils.Database) -> None:
            db.execute("DELETE FROM auth_sessions WHERE expires_at <= ?", [now])
            _remove(db, drop)
            db.execute(
                "INSERT INTO auth_sessions VALUES (?, ?, ?, ?, ?)",
                [
                    session.key,
                    session.username,
                    session.client,
                    session.created_at,
                    session.expires_at,
                ],
            )

        try:
            await self._store.write(write)
        except STORAGE_ERRORS as exc:
            log.warning(
                "a session of %s is not stored (%s): it ends at a restart", session.username, exc
            )

    async def remove(self, keys: Sequence[str]) -> None:
        try:
            await self._store.write(lambda db: _remove(db, keys))
        except STORAGE_ERRORS as exc:
            log.error("%d ended session(s) not recorded as ended (%s)", len(keys), exc)


@dataclass(frozen=True, slots=True)
class PasswordChange:
    username: str
    password_hash: str
    replaces_hash: str
    changed_at: float


class StorePasswords:
    """Changed passwords, on a store with :data:`MIGRATIONS`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def load(self) -> list[PasswordChange] | None:
        """The changes, or None when the store cannot be read now (ask again later)."""

        def read(db: sqlite_utils.Database) -> list[PasswordChange]:
            rows = db.execute(
                "SELECT username, password_hash, replaces_hash, changed_at"
                " FROM auth_password_changes"
            ).fetchall()
            return [PasswordChange(*row) for row in rows]

        try:
            return await self._store.read(read)
        except STORAGE_ERRORS as exc:
            log.error("changed passwords cannot be read yet (%s): the users file's apply", exc)
            return None

    async def save(self, change: PasswordChange) -> None:
        await self._store.write(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO auth_password_changes VALUES (?, ?, ?, ?)",
                [change.username, change.password_hash, change.replaces_hash, change.changed_at],
            )
        )

    async def forget(self, usernames: Sequence[str]) -> None:
        def write(db: sqlite_utils.Database) -> None:
            for username in usernames:
                db.execute("DELETE FROM auth_password_changes WHERE username = ?", [username])

        try:
            await self._store.write(write)
        except STORAGE_ERRORS as exc:  # they are ignored in memory; dropped next time
            log.warning("outdated password changes not dropped yet (%s)", exc)


class MemoryPasswords:
    """Changed passwords kept until the process ends (an app built without a store)."""

    def __init__(self) -> None:
        self._changes: dict[str, PasswordChange] = {}

    async def load(self) -> list[PasswordChange] | None:
        return list(self._changes.values())

    async def save(self, change: PasswordChange) -> None:
        self._changes[change.username] = change

    async def forget(self, usernames: Sequence[str]) -> None:
        for name in usernames:
            self._changes.pop(name, None)
