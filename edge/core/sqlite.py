"""Opening a SQLite file the way every database of the system wants it.

WAL (readers never block the writer), a busy timeout instead of "database is locked" at the
first contention, and files only their owner can read: the gateway's database holds resident ids
and raw codes, so it is 0600 in a 0700 folder, and SQLite gives its -wal and -shm files the
database file's own permissions.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Literal

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]

FILE_MODE = 0o600
DIR_MODE = 0o700


def prepare_private_file(path: Path) -> None:
    """Create ``path``'s folder (0700) and the file itself (0600), tightening existing ones."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=DIR_MODE, parents=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    try:
        # An existing file keeps its mode on open: tighten it (and its WAL companions).
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            companion.chmod(FILE_MODE)


def connect(
    path: Path, *, synchronous: Synchronous = "FULL", read_only: bool = False
) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed row survives a power cut; NORMAL only guarantees no corruption.
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    # Deleted and overwritten content is zeroed, not left in free space: a purged resident id
    # must not be readable off a card taken from the gatehouse (see Store.truncate_wal).
    conn.execute("PRAGMA secure_delete=ON")
    if read_only:
        conn.execute("PRAGMA query_only=ON")
    return conn
