"""The single-writer store: migrations once, writes committed in order, failures isolated."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils

from edge.store import MigrationError, MigrationSet, Store

things = MigrationSet("things")


@things
def create_things(db: sqlite_utils.Database) -> None:
    db["things"].create({"id": int, "name": str}, pk="id")


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with Store(path, [things]):
        pass
    with Store(path, [things]) as store:
        rows = store.read_sync(lambda db: list(db.query("SELECT * FROM _migrations")))
    assert [(r["migration_set"], r["step"]) for r in rows] == [("things", "create_things")]


def test_failing_migration_names_itself(tmp_path: Path) -> None:
    broken = MigrationSet("broken")

    @broken
    def boom(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE x (")

    with pytest.raises(MigrationError, match="broken:boom"):
        Store(tmp_path / "g.db", [broken]).open()


def test_writes_from_many_threads_all_land(tmp_path: Path) -> None:
    with Store(tmp_path / "g.db", [things]) as store:

        def writer(base: int) -> None:
            for i in range(50):
                store.write_sync(lambda db, n=base + i: db["things"].insert({"id": n, "name": "x"}))

        threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.read_sync(lambda db: db["things"].count) == 200


def test_a_failing_write_does_not_undo_its_batch_neighbours(tmp_path: Path) -> None:
    with Store(tmp_path / "g.db", [things]) as store:
        ok1 = store.submit(lambda db: db["things"].insert({"id": 1, "name": "a"}))
        bad = store.submit(lambda db: db["things"].insert({"id": 1, "name": "dup"}))
        ok2 = store.submit(lambda db: db["things"].insert({"id": 2, "name": "b"}))
        ok1.result()
        ok2.result()
        with pytest.raises(sqlite3.IntegrityError):
            bad.result()
        names = store.read_sync(lambda db: [r["name"] for r in db["things"].rows])
    assert names == ["a", "b"]


async def test_async_write_and_read(tmp_path: Path) -> None:
    with Store(tmp_path / "g.db", [things]) as store:
        await store.write(lambda db: db["things"].insert({"id": 7, "name": "seven"}))
        count = await store.read(lambda db: db["things"].count)
    assert count == 1
