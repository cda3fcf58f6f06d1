"""The monitor's databases on the system's one migration runner, and databases in the field.

Monitors released before :mod:`edge.core.migrations` recorded their steps in
``monitor_migrations(step)``. A database made by that release, with rows in it, must open
with nothing applied twice, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from cloud_sync.monitor.ingest import classify
from cloud_sync.monitor.storage import open_storage
from tests.monitor.helpers import window

# What the release before the shared runner created, word for word (its storage/schema.py and
# its _migrate()), with {real}/{bigint}/{json}/{serial} for the dialect's types.
OLD_STEPS = {
    "0001_initial": [
        "CREATE TABLE gateways (gateway TEXT PRIMARY KEY, community TEXT,"
        " online INTEGER NOT NULL DEFAULT 0, offline_reason TEXT, bdseq {bigint},"
        " keepalive_s {real}, software TEXT, first_seen {real} NOT NULL,"
        " last_seen {real} NOT NULL, birth_at {real}, offline_at {real},"
        " stale_deaths INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE messages (gateway TEXT NOT NULL, stream TEXT NOT NULL, key TEXT NOT NULL,"
        " rev {bigint} NOT NULL, seq {bigint} NOT NULL, at TEXT NOT NULL,"
        " clock_synced INTEGER NOT NULL, envelope {json} NOT NULL, received_at {real} NOT NULL,"
        " PRIMARY KEY (gateway, stream, key))",
        "CREATE INDEX messages_by_stream ON messages (stream)",
        "CREATE TABLE streams (gateway TEXT NOT NULL, stream TEXT NOT NULL,"
        " last_seq {bigint} NOT NULL, received {bigint} NOT NULL, gaps {bigint} NOT NULL,"
        " late {bigint} NOT NULL, PRIMARY KEY (gateway, stream))",
        "CREATE TABLE rejected (id {serial}, topic TEXT NOT NULL, category TEXT NOT NULL,"
        " reason TEXT NOT NULL, sample TEXT NOT NULL, size INTEGER NOT NULL,"
        " received_at {real} NOT NULL)",
        "CREATE TABLE command_acks (gateway TEXT NOT NULL, command TEXT NOT NULL,"
        " key TEXT NOT NULL, rev {bigint} NOT NULL, body {json} NOT NULL, at TEXT NOT NULL,"
        " received_at {real} NOT NULL, PRIMARY KEY (gateway, command, key, rev))",
    ],
    "0002_heartbeat_interval": ["ALTER TABLE gateways ADD COLUMN heartbeat_s {real}"],
}
SQLITE_TYPES = {
    "real": "REAL",
    "bigint": "INTEGER",
    "json": "TEXT",
    "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
}
PG_TYPES = {
    "real": "DOUBLE PRECISION",
    "bigint": "BIGINT",
    "json": "JSONB",
    "serial": "BIGSERIAL PRIMARY KEY",
}
ENVELOPE = (
    '{"v":1,"gw":"gw-old","stream":"stock","key":"masks","rev":4,"seq":9,'
    '"at":"2026-01-01T00:00:00Z","clock_synced":true,"body":{"item":"masks","on_hand":12}}'
)
OLD_ROWS = [
    "INSERT INTO gateways (gateway, community, online, bdseq, first_seen, last_seen)"
    " VALUES ('gw-old', 'Riverside', 1, 3, 100, 200)",
    "INSERT INTO messages VALUES ('gw-old', 'stock', 'masks', 4, 9,"  # noqa: S608 (constants)
    f" '2026-01-01T00:00:00Z', 1, '{ENVELOPE}', 200)",
    "INSERT INTO streams VALUES ('gw-old', 'stock', 9, 9, 0, 0)",
]


class Legacy:
    """A database as the previous release left it, on SQLite or PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql")

    def _run(self, sqls: list[str], params: list[Any] | None = None) -> list[Any]:
        if not self.postgres:
            path = urlsplit(self.url).path[1:]
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                out: list[Any] = []
                for sql in sqls:
                    out = conn.execute(sql.replace("%s", "?"), params or ()).fetchall()
                return out
            finally:
                conn.close()
        import psycopg
        import psycopg.sql

        parts = urlsplit(self.url)
        schema = dict(parse_qsl(parts.query))["schema"]
        with psycopg.connect(parts._replace(query="").geturl(), autocommit=True) as conn:
            ident = psycopg.sql.Identifier(schema)
            conn.execute(psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
            conn.execute(psycopg.sql.SQL("SET search_path TO {}").format(ident))
            out = []
            for sql in sqls:
                cur = conn.execute(sql.encode(), params)
                out = cur.fetchall() if cur.description else []
            return out

    def build(self, steps: list[str]) -> None:
        """Run the old release's migration for ``steps``, then add rows as it would have."""
        types = PG_TYPES if self.postgres else SQLITE_TYPES
        real = types["real"]
        sqls = [
            f"CREATE TABLE monitor_migrations (step TEXT PRIMARY KEY, applied_at {real} NOT NULL)"
        ]
        for step in steps:
            sqls += [sql.format(**types) for sql in OLD_STEPS[step]]
            record = f"INSERT INTO monitor_migrations VALUES ('{step}', 1700000000.5)"  # noqa: S608
            sqls.append(record)
        self._run([*sqls, *OLD_ROWS])

    def query(self, sql: str) -> list[Any]:
        return self._run([sql])


#: The centre's distribution tables (their own migration set, applied with the monitor's).
DISTRIBUTION = "distribution:0001_streams_and_publications"


@pytest.fixture
def legacy(store_url: str) -> Legacy:
    return Legacy(store_url)


def test_a_database_of_the_previous_release_is_adopted_not_migrated_again(
    legacy: Legacy, store_url: str
) -> None:
    legacy.build(["0001_initial", "0002_heartbeat_interval"])
    storage = open_storage(store_url)
    try:
        assert storage.adopted == ["0001_initial", "0002_heartbeat_interval"]
        assert storage.migrated == [  # new in this one
            "monitor:0003_registry_and_key_counts",
            "monitor:0004_fever_alerts",
            "monitor:0005_registry_street_district",
            DISTRIBUTION,
        ]
        row = storage.queries.message("gw-old", "stock", "masks")
        assert row is not None and row["rev"] == 4 and row["body"]["on_hand"] == 12
        [gw] = storage.queries.gateways(now=300.0)
        assert gw["bdseq"] == 3 and gw["messages_received"] == 9
        assert gw["keys"] == 1  # counted from what the previous release stored
        # The store works on: a new window is stored beside the old rows.
        topic, payload = window("gw-old", "l1", "2026-11-29T01:00:00Z", 5, 1, seq=1)
        storage.writer.apply([classify(topic, payload, 300.0)])
        assert storage.queries.count_messages() == 2
    finally:
        storage.close()
    recorded = legacy.query(
        "SELECT step, applied_at FROM _migrations WHERE migration_set = 'monitor'"
        " AND step < '0003' ORDER BY step"
    )
    assert [(step, float(at)) for step, at in recorded] == [
        ("0001_initial", 1700000000.5),
        ("0002_heartbeat_interval", 1700000000.5),
    ]
    again = open_storage(store_url)  # the next start: nothing to adopt, nothing to apply
    try:
        assert (again.adopted, again.migrated) == ([], [])
    finally:
        again.close()


def test_a_database_one_step_behind_gets_only_the_missing_step(
    legacy: Legacy, store_url: str
) -> None:
    legacy.build(["0001_initial"])
    storage = open_storage(store_url)
    try:
        assert storage.adopted == ["0001_initial"]
        assert storage.migrated == [
            "monitor:0002_heartbeat_interval",
            "monitor:0003_registry_and_key_counts",
            "monitor:0004_fever_alerts",
            "monitor:0005_registry_street_district",
            DISTRIBUTION,
        ]
        [gw] = storage.queries.gateways(now=300.0)
        assert gw["heartbeat_s"] is None and gw["claimed_community"] == "Riverside"
    finally:
        storage.close()


def test_a_new_database_is_migrated_by_the_shared_runner(store_url: str) -> None:
    storage = open_storage(store_url)
    try:
        assert storage.adopted == []
        assert storage.migrated == [
            "monitor:0001_initial",
            "monitor:0002_heartbeat_interval",
            "monitor:0003_registry_and_key_counts",
            "monitor:0004_fever_alerts",
            "monitor:0005_registry_street_district",
            DISTRIBUTION,
        ]
    finally:
        storage.close()


@pytest.mark.postgres
@pytest.mark.parametrize("previous_release", [False, True])
def test_monitors_starting_together_on_one_postgres_migrate_once(
    pg_url: str, previous_release: bool
) -> None:
    if previous_release:
        Legacy(pg_url).build(["0001_initial"])
    barrier = threading.Barrier(4)
    opened: list[Any] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            opened.append(open_storage(pg_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert errors == []
        applied = sorted(step for storage in opened for step in storage.migrated)
        expected = [
            DISTRIBUTION,
            "monitor:0002_heartbeat_interval",
            "monitor:0003_registry_and_key_counts",
            "monitor:0004_fever_alerts",
            "monitor:0005_registry_street_district",
        ]
        if not previous_release:
            expected = [DISTRIBUTION, "monitor:0001_initial", *expected[1:]]
        assert applied == expected  # each step by exactly one of the four
    finally:
        for storage in opened:
            storage.close()
