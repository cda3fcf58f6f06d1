"""A monitor killed with messages in hand loses none of them: acknowledged only once committed.

A real ``central-monitor`` process with a persistent session (a fixed client id) on a real
Mosquitto; the database is locked by another connection, so the monitor holds the messages it
received but cannot store them; 100 messages are published (the broker acknowledged each to
the gateway, which would delete it from its outbox); the monitor is killed with SIGKILL; the
lock goes; the monitor starts again with the same client id and all 100 are stored. On SQLite
and PostgreSQL, alone and as one of two monitors sharing a subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from cloud_sync.monitor.storage import open_storage
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.monitor.helpers import data, heartbeat_body, stock_body, wait_until
from tests.monitor.processes import MonitorProcess

COUNT = 100


@contextlib.contextmanager
def database_locked(url: str) -> Iterator[None]:
    """Another connection holds the write lock: the monitor's batch waits, then fails."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(urlsplit(url).path[1:], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    import psycopg
    import psycopg.sql

    parts = urlsplit(url)
    schema = dict(parse_qsl(parts.query))["schema"]
    with psycopg.connect(parts._replace(query="").geturl()) as pg:
        pg.execute(psycopg.sql.SQL("SET search_path TO {}").format(psycopg.sql.Identifier(schema)))
        pg.execute("LOCK TABLE messages IN EXCLUSIVE MODE")  # reads go on, writes wait
        try:
            yield
        finally:
            pg.rollback()


def received(monitor: MonitorProcess) -> int:
    try:
        text = monitor.get("/metrics").text
    except Exception:
        return -1
    found = re.search(r"^ccg_monitor_messages_received_total (\S+)$", text, re.M)
    return int(float(found.group(1))) if found else -1


async def publish(port: int, messages: list[tuple[str, bytes]]) -> None:
    """Publish at QoS 1: each publish returns once the broker has acknowledged it."""
    async with MqttClient(MqttSettings(port=port, client_id="gw-ack-test")) as client:
        await client.wait_connected(10)
        for topic, payload in messages:
            await client.publish(topic, payload)


async def subscribed(port: int, monitors: list[MonitorProcess], storage: Any) -> None:
    """Every monitor is up and its session subscribed (a probe per monitor came through)."""
    for monitor in monitors:
        await asyncio.to_thread(monitor.wait_up)
    for n in range(len(monitors) * 4):  # a shared group hands them out in turn
        body = {**heartbeat_body(), "uptime_s": float(n)}
        await publish(port, [data("gw-probe", "heartbeat", key="gateway", seq=n + 1, body=body)])
    await wait_until(lambda: all(received(m) > 0 for m in monitors), 30)


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("shared", [False, True], ids=["alone", "shared"])
async def test_messages_in_hand_at_a_kill_are_delivered_again(
    mosquitto: Mosquitto, store_url: str, tmp_path: Path, shared: bool
) -> None:
    def monitor(client_id: str) -> MonitorProcess:
        extra = ["--client-id", client_id, "--session-expiry", "600"]
        if shared:
            extra += ["--share-group", "centre"]
        return MonitorProcess(mosquitto.port, store_url, tmp_path / client_id, *extra)

    victim = monitor("centre-1").start()
    others = [monitor("centre-2").start()] if shared else []
    storage = open_storage(store_url)
    try:
        await subscribed(mosquitto.port, [victim, *others], storage)
        before = [received(m) for m in (victim, *others)]
        messages = [
            data("gw-ack", key=f"item-{n}", seq=n + 1, body=stock_body(f"item-{n}"))
            for n in range(COUNT)
        ]
        with database_locked(store_url):
            await publish(mosquitto.port, messages)
            # The broker has delivered all 100: the monitors hold them, unstored.
            await wait_until(
                lambda: sum(received(m) for m in (victim, *others)) - sum(before) == COUNT, 30
            )
            assert received(victim) > before[0], "the victim got none of them"
            assert storage.queries.count_messages("stock") == 0
            victim.kill()
        again = monitor("centre-1").start()  # the same client id: the same session
        try:
            await wait_until(lambda: storage.queries.count_messages("stock") == COUNT, 90)
            keys = {storage.queries.message("gw-ack", "stock", f"item-{n}") is not None
                    for n in range(COUNT)}  # fmt: skip
            assert keys == {True}
        finally:
            again.stop()
    finally:
        for m in (victim, *others):
            m.stop()
        storage.close()
