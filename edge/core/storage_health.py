"""Whether the store can write, and why not, in words a field technician can act on.

SD cards filling up and wearing out are the commonest faults of a Raspberry Pi in the field.
The store turns SQLite's and the operating system's errors into one of a few problems, each
with what happened and what to do, so the page can say it and the gateway can keep screening.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from edge.core.words import N_


class StorageProblem(StrEnum):
    FULL = "full"
    READ_ONLY = "read-only"
    IO_ERROR = "io-error"
    CANNOT_OPEN = "cannot-open"


# What a person reads: English templates in the catalogue (edge/i18n).
_WORDS = {
    StorageProblem.FULL: (
        N_("the storage holding {path} is full"),
        N_("free space on it (old logs, copies) or move the data folder to a larger card"),
    ),
    StorageProblem.READ_ONLY: (
        N_("the storage holding {path} is read-only"),
        N_("the SD card may be failing or was mounted read-only: check it and replace it"),
    ),
    StorageProblem.IO_ERROR: (
        N_("reading or writing {path} fails (I/O error)"),
        N_("the SD card is probably failing: replace it soon"),
    ),
    StorageProblem.CANNOT_OPEN: (
        N_("the database {path} cannot be opened"),
        N_("check that its folder exists and belongs to the gateway's user"),
    ),
}

_SQLITE_CODES = {
    13: StorageProblem.FULL,  # SQLITE_FULL
    8: StorageProblem.READ_ONLY,  # SQLITE_READONLY
    10: StorageProblem.IO_ERROR,  # SQLITE_IOERR
    14: StorageProblem.CANNOT_OPEN,  # SQLITE_CANTOPEN
    11: StorageProblem.IO_ERROR,  # SQLITE_CORRUPT: the card returns garbage
    26: StorageProblem.IO_ERROR,  # SQLITE_NOTADB
}
_ERRNOS = {
    errno.ENOSPC: StorageProblem.FULL,
    errno.EDQUOT: StorageProblem.FULL,
    errno.EROFS: StorageProblem.READ_ONLY,
    errno.EIO: StorageProblem.IO_ERROR,
    errno.EACCES: StorageProblem.CANNOT_OPEN,
    errno.EPERM: StorageProblem.CANNOT_OPEN,
    errno.ENOENT: StorageProblem.CANNOT_OPEN,
    errno.ENOTDIR: StorageProblem.CANNOT_OPEN,
}


def classify(exc: BaseException) -> StorageProblem | None:
    """The storage problem behind ``exc``, or None when it is not one (a bug, a constraint)."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return _SQLITE_CODES.get(code & 0xFF)
        text = str(exc).lower()
        for needle, problem in (
            ("disk is full", StorageProblem.FULL),
            ("readonly", StorageProblem.READ_ONLY),
            ("disk i/o error", StorageProblem.IO_ERROR),
            ("unable to open", StorageProblem.CANNOT_OPEN),
        ):
            if needle in text:
                return problem
        return None
    if isinstance(exc, OSError) and exc.errno is not None:
        return _ERRNOS.get(exc.errno)
    return None


def diagnose(folder: Path) -> StorageProblem | None:
    """Ask the filesystem itself what is wrong: SQLite says "disk I/O error" for a card that is
    full or was remounted read-only by the kernel as much as for one that is failing."""
    probe = folder / ".ccg-write-probe"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"probe")
            os.fsync(fd)
        finally:
            os.close(fd)
            with contextlib.suppress(OSError):
                probe.unlink()
    except OSError as exc:
        return classify(exc)
    return None


@dataclass(frozen=True, slots=True)
class StorageHealth:
    path: str
    problem: StorageProblem | None = None
    since: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def what(self) -> str:
        """What is wrong, in words ("" when all is well)."""
        return _WORDS[self.problem][0].format(path=self.path) if self.problem else ""

    @property
    def advice(self) -> str:
        """What to do about it ("" when all is well)."""
        return _WORDS[self.problem][1] if self.problem else ""


class StorageUnavailableError(Exception):
    """A write or read refused because the storage cannot be used now."""

    def __init__(self, health: StorageHealth) -> None:
        super().__init__(health.what or f"{health.path} is unavailable")
        self.health = health
