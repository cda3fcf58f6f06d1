"""The single-writer store: migrations once, writes committed in order, failures isolated."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils

from edge.core.errors import MigrationError
from edge.core.migrations import MigrationSet
from edge.core.store import Store

things: MigrationSet[sqlite_utils.Database] = MigrationSet("things")


@things.step("create_things")
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
    broken: MigrationSet[sqlite_utils.Database] = MigrationSet("broken")

    @broken.step("boom")
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


async def test_reads_run_off_the_event_loop_thread(tmp_path: Path) -> None:
    with Store(tmp_path / "g.db", [things]) as store:
        loop_thread = threading.get_ident()
        reader_thread = await store.read(lambda db: threading.get_ident())
    assert reader_thread != loop_thread


def test_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with Store(folder / "g.db", [things]) as store:
        store.write_sync(lambda db: db["things"].insert({"id": 1, "name": "a"}))
        modes = {
            p.name: p.stat().st_mode & 0o777 for p in folder.iterdir() if p.name.startswith("g.db")
        }
    assert folder.stat().st_mode & 0o777 == 0o700
    assert modes["g.db"] == 0o600
    assert modes.get("g.db-wal", 0o600) == 0o600
    assert modes.get("g.db-shm", 0o600) == 0o600


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with Store(path, [things]):
        pass
    path.chmod(0o644)
    with Store(path, [things]):
        pass
    assert path.stat().st_mode & 0o777 == 0o600
