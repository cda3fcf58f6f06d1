"""Building blocks for the uplink tests: a store with screenings, a plain collecting subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from cloud_sync.protocol import decode, parse_topic
from cloud_sync.uplink import MIGRATIONS
from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS
from edge.core.store import Store
from firmware_interfaces.transports.mqtt import Message, MqttClient, MqttSettings
from tests.brokers import Mosquitto

T0 = 1_790_000_100.0  # 2026-09-21, window-aligned (300 s): a plausible, synchronised time


def open_store(path: Path) -> Store:
    return Store(path, [CHECKPOINT_MIGRATIONS, MIGRATIONS], synchronous="NORMAL").open()


def seed(
    db: sqlite_utils.Database,
    n: int,
    *,
    lanes: int = 3,
    start: float = T0,
    span_s: float = 3600.0,
    seed_value: int = 1,
) -> None:
    rng = random.Random(seed_value)
    rows = []
    for i in range(n):
        outcome = rng.choice(["ADMIT"] * 8 + ["DENY", "RECHECK"])
        rows.append(
            (
                f"lane-{i % lanes}",
                start + rng.random() * span_s,
                outcome,
                "fever 38.1 °C" if outcome == "DENY" else "ok",
                rng.choice(["fever", "code-red"]) if outcome == "DENY" else "pass",
                "v1",
                round(rng.uniform(35.5, 38.5), 1),
                "health-code",
                "green",
                1,
                f"resident-{rng.randrange(200)}",
                f"RAWCODE-{i}",
            )
        )
    db.conn.executemany(
        "INSERT INTO screenings (lane, decided_at, outcome, reason, rule, policy_version,"
        " temperature, code_type, code_status, complete, resident_id, raw_code)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def gateway_counts(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for lane, outcome, n in db.execute(
        "SELECT lane, COALESCE(overridden_to, outcome), COUNT(*) FROM screenings GROUP BY 1, 2"
    ):
        out.setdefault(lane, {"ADMIT": 0, "DENY": 0, "RECHECK": 0})[outcome] = n
    return out


@dataclass
class Collector:
    """A plain subscriber to ``ccg/#`` keeping, per (gateway, stream, key), the highest rev."""

    latest: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    raw: list[Message] = field(default_factory=list)
    births: list[int] = field(default_factory=list)

    def take(self, message: Message) -> None:
        self.raw.append(message)
        parts = parse_topic(message.topic)
        if parts.kind in ("cmd", "dist"):
            return
        env = decode(message.payload)
        if parts.kind == "birth":
            self.births.append(env.body["bdseq"])
            return
        if parts.kind != "data" and parts.kind != "ack":
            return
        ident = (env.gateway, env.stream, env.key)
        held = self.latest.get(ident)
        if held is None or env.rev > held["rev"]:
            self.latest[ident] = {
                "rev": env.rev,
                "seq": env.seq,
                "body": env.body,
                "clock_synced": env.clock_synced,
            }

    def lane_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for (_gw, stream, _key), item in self.latest.items():
            if stream != "lane-window":
                continue
            body = item["body"]
            c = out.setdefault(body["lane"], Counter())
            c["ADMIT"] += body["admitted"]
            c["DENY"] += body["denied"]
            c["RECHECK"] += body["rechecks"]
        return {lane: {k: c[k] for k in ("ADMIT", "DENY", "RECHECK")} for lane, c in out.items()}

    def stream(self, name: str) -> dict[str, dict[str, Any]]:
        return {k[2]: v for k, v in self.latest.items() if k[1] == name}


def collector_settings(broker: Mosquitto) -> MqttSettings:
    """A persistent session (no clean start, an expiry) subscribed at QoS 1, like a real centre.

    A clean session misses whatever the broker accepts while it reconnects: the uplink, whose
    rows are gone once PUBACKed, would look as if it had lost them. With a persistent session
    the broker queues those messages (and, when it runs with persistence, keeps the session and
    its queue across its own restart).
    """
    return MqttSettings(
        host=broker.host,
        port=broker.port,
        client_id="collector",
        clean_start=False,
        session_expiry_s=3600,
        backoff_initial=0.1,
        backoff_max=0.5,
    )


@contextlib.asynccontextmanager
async def collecting(broker: Mosquitto) -> AsyncIterator[Collector]:
    """A :class:`Collector` subscribed to ``ccg/#`` on ``broker`` for the ``async with`` body."""
    found = Collector()
    ready = asyncio.Event()
    task = asyncio.create_task(collect(collector_settings(broker), found, ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        yield found
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def collect(settings: MqttSettings, collector: Collector, ready: asyncio.Event) -> None:
    async with MqttClient(settings) as client:
        await client.wait_connected(10)
        await client.subscribe("ccg/#", qos=1)
        ready.set()
        async for message in client.messages():
            collector.take(message)
