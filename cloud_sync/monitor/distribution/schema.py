"""The centre's distribution tables, the same on SQLite and PostgreSQL.

Migration set ``distribution``, applied with the monitor's own set by
:func:`cloud_sync.monitor.storage.schema.migrate`.

``dist_streams``: one row per stream (kind and scope): the version, the whole value as JSON
(what the next publication changes), the signed head and snapshot, and what is on the broker.
``dist_publications``: every publication, for the audit (who, what, when, scope) and for "who
has heard". Steps are append-only.
"""

from __future__ import annotations

from collections.abc import Callable

from cloud_sync.monitor.storage.dialect import Types
from edge.core.migrations import Executor, MigrationSet

SET_NAME = "distribution"

STEPS: list[tuple[str, list[str]]] = [
    (
        "0001_streams_and_publications",
        [
            """CREATE TABLE dist_streams (
                kind TEXT NOT NULL,
                scope TEXT NOT NULL,
                version {bigint} NOT NULL,
                content TEXT NOT NULL,
                head TEXT NOT NULL,
                snapshot TEXT NOT NULL,
                parts INTEGER NOT NULL,
                sent_version {bigint} NOT NULL DEFAULT 0,
                sent_parts INTEGER NOT NULL DEFAULT 0,
                updated_at {real} NOT NULL,
                PRIMARY KEY (kind, scope)
            )""",
            """CREATE TABLE dist_publications (
                id {serial},
                kind TEXT NOT NULL,
                scope TEXT NOT NULL,
                version {bigint} NOT NULL,
                base {bigint} NOT NULL,
                mode TEXT NOT NULL,
                summary TEXT NOT NULL,
                detail TEXT NOT NULL,
                published_by TEXT NOT NULL,
                source TEXT NOT NULL,
                published_at {real} NOT NULL,
                size {bigint} NOT NULL
            )""",
            "CREATE INDEX dist_publications_stream ON dist_publications (kind, scope, version)",
        ],
    ),
]


def migration_set(types: Types) -> MigrationSet[Executor]:
    steps: MigrationSet[Executor] = MigrationSet(SET_NAME)
    for step_id, templates in STEPS:
        sqls = [
            sql.format(real=types.real, bigint=types.bigint, json=types.json, serial=types.serial)
            for sql in templates
        ]
        steps.add(step_id, _run_all(sqls))
    return steps


def _run_all(sqls: list[str]) -> Callable[[Executor], None]:
    def apply(conn: Executor) -> None:
        for sql in sqls:
            conn.execute(sql)

    return apply
