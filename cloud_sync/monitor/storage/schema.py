"""The monitor's tables, the same on SQLite and PostgreSQL, as append-only migration steps.

Each step is a template; ``{real}``, ``{bigint}``, ``{json}`` and ``{serial}`` become the
dialect's types. The steps are applied by the system's one runner
(:func:`edge.core.migrations.apply_migrations`) as the migration set ``monitor``. Never edit or
reorder a step that has shipped: append a new one.

Monitors released before that runner recorded their steps in a table of their own,
``monitor_migrations(step)``, with the same step ids; :func:`migrate` adopts those records
first, so a database in the field is never migrated twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cloud_sync.monitor.distribution.schema import migration_set as distribution_set
from cloud_sync.monitor.storage.dialect import Dialect, Types
from edge.core import migrations
from edge.core.migrations import Executor, MigrationSet, apply_migrations

SET_NAME = "monitor"
LEGACY_TABLE = "monitor_migrations"

STEPS: list[tuple[str, list[str]]] = [
    (
        "0001_initial",
        [
            """CREATE TABLE gateways (
                gateway TEXT PRIMARY KEY,
                community TEXT,
                online INTEGER NOT NULL DEFAULT 0,
                offline_reason TEXT,
                bdseq {bigint},
                keepalive_s {real},
                software TEXT,
                first_seen {real} NOT NULL,
                last_seen {real} NOT NULL,
                birth_at {real},
                offline_at {real},
                stale_deaths INTEGER NOT NULL DEFAULT 0
            )""",
            """CREATE TABLE messages (
                gateway TEXT NOT NULL,
                stream TEXT NOT NULL,
                key TEXT NOT NULL,
                rev {bigint} NOT NULL,
                seq {bigint} NOT NULL,
                at TEXT NOT NULL,
                clock_synced INTEGER NOT NULL,
                envelope {json} NOT NULL,
                received_at {real} NOT NULL,
                PRIMARY KEY (gateway, stream, key)
            )""",
            "CREATE INDEX messages_by_stream ON messages (stream)",
            """CREATE TABLE streams (
                gateway TEXT NOT NULL,
                stream TEXT NOT NULL,
                last_seq {bigint} NOT NULL,
                received {bigint} NOT NULL,
                gaps {bigint} NOT NULL,
                late {bigint} NOT NULL,
                PRIMARY KEY (gateway, stream)
            )""",
            """CREATE TABLE rejected (
                id {serial},
                topic TEXT NOT NULL,
                category TEXT NOT NULL,
                reason TEXT NOT NULL,
                sample TEXT NOT NULL,
                size INTEGER NOT NULL,
                received_at {real} NOT NULL
            )""",
            """CREATE TABLE command_acks (
                gateway TEXT NOT NULL,
                command TEXT NOT NULL,
                key TEXT NOT NULL,
                rev {bigint} NOT NULL,
                body {json} NOT NULL,
                at TEXT NOT NULL,
                received_at {real} NOT NULL,
                PRIMARY KEY (gateway, command, key, rev)
            )""",
        ],
    ),
    (
        # A gateway that heartbeats less often than its MQTT keep-alive says so in its birth;
        # it is timed out after 1.5 x the longer of the two.
        "0002_heartbeat_interval",
        ["ALTER TABLE gateways ADD COLUMN heartbeat_s {real}"],
    ),
    (
        # The centre's own list of gateways: a gateway's community is what is registered here,
        # never what its birth claims (gateways.community keeps the claim, for people to see).
        # Per gateway, how many distinct keys it holds (messages and command acks) and how
        # many new ones were refused over the cap; counted from what is already stored.
        "0003_registry_and_key_counts",
        [
            """CREATE TABLE registry (
                gateway TEXT PRIMARY KEY,
                community TEXT NOT NULL,
                display_name TEXT NOT NULL DEFAULT '',
                added_at {real} NOT NULL,
                updated_at {real} NOT NULL
            )""",
            "ALTER TABLE gateways ADD COLUMN keys {bigint} NOT NULL DEFAULT 0",
            "ALTER TABLE gateways ADD COLUMN keys_refused {bigint} NOT NULL DEFAULT 0",
            """UPDATE gateways SET keys =
                (SELECT COUNT(*) FROM messages m WHERE m.gateway = gateways.gateway)
                + (SELECT COUNT(*) FROM command_acks a WHERE a.gateway = gateways.gateway)""",
        ],
    ),
    (
        # Fever alerts raised here from the gateways' lane windows (storage/fever.py): one row
        # per community (or unregistered gateway), counts only.
        "0004_fever_alerts",
        [
            """CREATE TABLE fever_alerts (
                alert_key TEXT PRIMARY KEY,
                community TEXT,
                gateway TEXT,
                state TEXT NOT NULL,
                fevers {bigint} NOT NULL,
                peak {bigint} NOT NULL,
                threshold {bigint} NOT NULL,
                window_s {real} NOT NULL,
                opened_at {real} NOT NULL,
                updated_at {real} NOT NULL,
                resolved_at {real},
                raised {bigint} NOT NULL DEFAULT 1
            )""",
        ],
    ),
    (
        # Where a registered gateway's community is: the street (sub-district) and district
        # the daily reports are rolled up by (issue 11).
        "0005_registry_street_district",
        [
            "ALTER TABLE registry ADD COLUMN street TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE registry ADD COLUMN district TEXT NOT NULL DEFAULT ''",
        ],
    ),
]


def statements(step: list[str], types: Types) -> list[str]:
    return [
        sql.format(real=types.real, bigint=types.bigint, json=types.json, serial=types.serial)
        for sql in step
    ]


def migration_set(types: Types) -> MigrationSet[Executor]:
    """The monitor's steps with the dialect's column types filled in."""
    steps: MigrationSet[Executor] = MigrationSet(SET_NAME)
    for step_id, templates in STEPS:
        steps.add(step_id, _run_all(statements(templates, types)))
    return steps


def _run_all(sqls: list[str]) -> Callable[[Executor], None]:
    def apply(conn: Executor) -> None:
        for sql in sqls:
            conn.execute(sql)

    return apply


def migrate(conn: Executor, dialect: Dialect) -> tuple[list[str], list[str]]:
    """Adopt the steps an older monitor recorded, then apply what is missing.

    ``conn`` is in autocommit mode. Returns the step ids adopted and the ``set:step`` names
    applied.
    """
    adopted = _adopt_legacy(conn, dialect.runner, dialect.legacy_exists)
    sets = [migration_set(dialect.types), distribution_set(dialect.types)]
    applied = apply_migrations(conn, sets, dialect=dialect.runner)
    return adopted, applied


def _adopt_legacy(conn: Executor, dialect: migrations.Dialect, legacy_exists: str) -> list[str]:
    # The runner's own (empty) run creates its record table, under its lock, in its words.
    apply_migrations(conn, [], dialect=dialect)
    p = dialect.param
    for statement in dialect.begin:  # the lock another migrating monitor also takes
        conn.execute(statement)
    try:
        adopted: list[str] = []
        if conn.execute(legacy_exists).fetchone()[0]:
            recorded = conn.execute(f"SELECT step, applied_at FROM {LEGACY_TABLE}").fetchall()  # noqa: S608 (a constant)
            mine = f"SELECT step FROM _migrations WHERE migration_set = {p}"  # noqa: S608
            done = {row[0] for row in conn.execute(mine, (SET_NAME,)).fetchall()}
            for step, applied_at in recorded:
                if step in done:
                    continue
                # The older table is left as it is, so that a monitor rolled back to the
                # release before this one still starts on this database.
                conn.execute(
                    f"INSERT INTO _migrations VALUES ({p}, {p}, {p})",  # noqa: S608 (placeholders)
                    (SET_NAME, step, applied_at if applied_at is not None else time.time()),
                )
                adopted.append(step)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return adopted
