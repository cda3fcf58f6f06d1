"""What differs between SQLite and PostgreSQL for the monitor, as data and small functions.

The statements of the write path (:mod:`.write_sql`) and of the query catalogue
(:mod:`.queries`) are built once from a :class:`Dialect` by filling in its fragments: the
placeholder, the two-argument maximum, how a JSON parameter is cast, how a member of a stored
body is read. Nothing rewrites a finished statement. The two instances live beside their
connections, in :mod:`.sqlite` and :mod:`.postgres`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edge.core import migrations


@dataclass(frozen=True, slots=True)
class Types:
    """Column types of the monitor's tables (see :mod:`.schema`)."""

    real: str
    bigint: str
    json: str
    serial: str  # an auto-incrementing integer primary key


@dataclass(frozen=True, slots=True)
class Members:
    """How to read the members of a body's object that hold numbers, one row per member."""

    join: str  # the FROM-clause fragment that makes one row per member
    key: str  # the member's name
    value: str  # the member's value as a count (NULL outside 0..MAX_COUNT)
    condition: str  # true where the member holds a count (a number from 0 to MAX_COUNT)


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    runner: migrations.Dialect  # how the shared migration runner speaks to this database
    types: Types  # column types of the monitor's tables
    #: one row, whose first column is true when the previous release's step table exists
    legacy_exists: str
    greatest: str  # the two-argument maximum: MAX(a, b) or GREATEST(a, b)
    json_param: str  # a placeholder for a JSON document to be stored
    text_at: Callable[[str], str]  # body member as text (NULL when missing)
    #: body member as a count: a number from 0 to MAX_COUNT, else NULL (rows stored before
    #: the centre checked bodies may hold anything; no such row may make a read fail)
    count_at: Callable[[str], str]
    members_of: Callable[[str], Members]
    #: a SUM over integer columns that cannot overflow (SQLite's SUM raises past 2^63)
    wide_sum: Callable[[str], str]
    #: the database refused a value (store the rest of the batch) rather than being down
    data_errors: tuple[type[BaseException], ...]
    #: a transaction lost to another monitor's (deadlock, serialisation): run it again
    retry_errors: tuple[type[BaseException], ...] = ()

    @property
    def param(self) -> str:
        return self.runner.param

    def params(self, count: int) -> str:
        return ", ".join([self.runner.param] * count)


# Python's own errors for a value no database could take, whatever the dialect.
VALUE_ERRORS: tuple[type[BaseException], ...] = (ValueError, OverflowError, UnicodeError)
