"""The monitor's tables, the same on SQLite and PostgreSQL, as append-only migration steps.

Each step is a template; ``{real}``, ``{bigint}``, ``{json}`` and ``{serial}`` become the
dialect's types. Never edit or reorder a step that has shipped: append a new one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Types:
    real: str
    bigint: str
    json: str
    serial: str  # an auto-incrementing integer primary key


SQLITE_TYPES = Types("REAL", "INTEGER", "TEXT", "INTEGER PRIMARY KEY AUTOINCREMENT")
POSTGRES_TYPES = Types("DOUBLE PRECISION", "BIGINT", "JSONB", "BIGSERIAL PRIMARY KEY")

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
]


def statements(step: list[str], types: Types) -> list[str]:
    return [
        sql.format(real=types.real, bigint=types.bigint, json=types.json, serial=types.serial)
        for sql in step
    ]
