"""The one migration runner: explicit step ids, applied once, all or nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge.core.errors import MigrationError
from edge.core.migrations import MigrationSet, apply_migrations


def _conn(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_renamed_step_function_is_not_applied_again(tmp_path: Path) -> None:
    first: MigrationSet[sqlite3.Connection] = MigrationSet("part")

    @first.step("0001_create_a")
    def create_a(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE a (x)")

    conn = _conn(tmp_path / "db")
    assert apply_migrations(conn, [first]) == ["part:0001_create_a"]

    # A later release renames the function and adds a step: only the new step runs.
    second: MigrationSet[sqlite3.Connection] = MigrationSet("part")

    @second.step("0001_create_a")
    def make_table_a(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE a (x)")  # would fail if run twice

    @second.step("0002_create_b")
    def create_b(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE b (y)")

    assert apply_migrations(conn, [second]) == ["part:0002_create_b"]
    assert apply_migrations(conn, [second]) == []
    assert {"a", "b", "_migrations"} <= _tables(conn)


def test_a_failing_step_rolls_back_the_whole_run(tmp_path: Path) -> None:
    mset: MigrationSet[sqlite3.Connection] = MigrationSet("part")
    mset.add("0001_ok", lambda conn: conn.execute("CREATE TABLE ok (x)"))
    mset.add("0002_broken", lambda conn: conn.execute("CREATE TABLE ("))
    conn = _conn(tmp_path / "db")
    with pytest.raises(MigrationError, match="part:0002_broken") as caught:
        apply_migrations(conn, [mset])
    assert (caught.value.migration_set, caught.value.step) == ("part", "0002_broken")
    assert "ok" not in _tables(conn)
    assert not conn.in_transaction


def test_two_sets_keep_their_steps_apart(tmp_path: Path) -> None:
    a: MigrationSet[sqlite3.Connection] = MigrationSet("a")
    b: MigrationSet[sqlite3.Connection] = MigrationSet("b")
    a.add("0001", lambda conn: conn.execute("CREATE TABLE ta (x)"))
    b.add("0001", lambda conn: conn.execute("CREATE TABLE tb (x)"))
    conn = _conn(tmp_path / "db")
    assert apply_migrations(conn, [a, b]) == ["a:0001", "b:0001"]


def test_step_ids_are_checked() -> None:
    mset: MigrationSet[sqlite3.Connection] = MigrationSet("part")
    mset.add("0001", lambda conn: None)
    with pytest.raises(ValueError, match="already has"):
        mset.add("0001", lambda conn: None)
    with pytest.raises(ValueError, match="must be"):
        mset.add("has space", lambda conn: None)
