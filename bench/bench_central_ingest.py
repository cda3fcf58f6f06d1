"""Central ingest: messages per second one monitor stores, beside a bare paho subscriber.

    .venv/bin/python bench/bench_central_ingest.py [--messages 200000] [--postgres URL]

One run, one local Mosquitto. Before publishing, every subscriber under test gets a persistent
session (MQTT 3.1.1, clean session off) subscribed to ``ccg/#``: a bare paho subscriber, one
monitor, and two monitors sharing ``$share/bench/ccg/#``. Then N pre-built envelopes are
published at QoS 1 and queued by the broker for each session. Each contender then connects and
drains its queue, one contender at a time, each in a process of its own (so one process's GIL
does not slow another), and the clock runs from "go" to the last message counted (bare) or
stored, committed and acknowledged to the broker (monitor: manual acknowledgement, as
central-monitor runs). Targets: one monitor >= 20,000 msg/s and >= 0.85 x the bare subscriber;
two monitors on a shared subscription >= 1.7 x one.

The bare subscriber imports paho directly: it is the baseline the monitor's transport is
measured against, so it must not go through that transport.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from cloud_sync.protocol import Envelope, Stream, data_topic
from tests.brokers import Mosquitto

TOPIC = "ccg/#"
SHARED = "$share/bench/ccg/#"
PUBLISH_CHUNK = 20_000  # paho's message ids are 16 bits: never more than this in flight


def build_messages(count: int, gateways: int) -> list[tuple[str, bytes]]:
    """Lane windows, stock and alerts from many gateways, shaped as the uplink sends them
    (they pass the centre's schemas); every key distinct."""
    t0 = 1_790_000_100
    messages = []
    for n in range(count):
        gw = f"gw-{n % gateways:04d}"
        seq = n // gateways + 1
        kind = n % 10
        if kind < 7:
            lane = f"lane{n % 4}"
            start = iso(t0 + 300 * seq)
            stream, key = Stream.LANE_WINDOW, f"{lane}/{start}"
            body: dict[str, Any] = {
                "lane": lane,
                "window_start": start,
                "window_s": 300,
                "screenings": 12,
                "admitted": 9,
                "denied": 2,
                "rechecks": 1,
                "overrides": 0,
                "incomplete": 0,
                "denied_by_reason": {"fever": 1, "code-colour": 1},
                "code_status": {"green": 10, "red": 1},
                "temperature_histogram": {"36.5": 10, "38.0": 2},
                "distinct_people": 11,
            }
        elif kind < 9:
            stream, key = Stream.STOCK, f"item-{seq}"
            body = {
                "item": key,
                "on_hand": 40,
                "unit": "box",
                "days_of_supply": 3.5,
                "reorder_point": 20,
                "measured_at": iso(t0),
            }
        else:
            stream, key = Stream.ALERT, f"low:item-{seq}:1"
            body = {
                "alert_id": key,
                "kind": "low",
                "subject": f"item-{seq}",
                "severity": "warning",
                "state": "open",
                "message": f"item-{seq}: 4 box left",
                "changed_at": iso(t0),
            }
        envelope = Envelope(gw, stream, key, 1, seq, iso(t0), True, body)
        messages.append((data_topic(gw, stream), envelope.encode()))
    return messages


def iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def paho_client(client_id: str, clean: bool) -> paho.Client:
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean,
        protocol=paho.MQTTv311,
    )
    client.max_inflight_messages_set(1000)
    return client


def make_session(host: str, port: int, client_id: str, topic: str) -> None:
    client = paho_client(client_id, clean=False)
    subscribed = threading.Event()
    client.on_subscribe = lambda *args: subscribed.set()
    client.connect(host, port)
    client.loop_start()
    client.subscribe(topic, qos=1)
    if not subscribed.wait(10):
        raise RuntimeError(f"{client_id}: no SUBACK")
    client.disconnect()
    client.loop_stop()


def publish(host: str, port: int, messages: list[tuple[str, bytes]]) -> float:
    client = paho_client("bench-publisher", clean=True)
    client.connect(host, port)
    client.loop_start()
    started = time.perf_counter()
    for start in range(0, len(messages), PUBLISH_CHUNK):
        infos = [client.publish(t, p, qos=1) for t, p in messages[start : start + PUBLISH_CHUNK]]
        for info in infos:
            info.wait_for_publish(120)
    elapsed = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return len(messages) / elapsed


# -- contenders (each runs in a child process) ---------------------------------------------
def bare_subscriber(
    host: str,
    port: int,
    client_id: str,
    _db: str,
    go: Event,
    stop: Event,
    counter: Synchronized,  # type: ignore[type-arg]
) -> None:
    count = 0

    def on_message(client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        nonlocal count
        count += 1
        if count % 256 == 0:
            counter.value = count

    client = paho_client(client_id, clean=False)
    client.on_message = on_message
    go.wait()
    client.connect(host, port)
    client.loop_start()
    while not stop.wait(0.02):
        counter.value = count
    client.disconnect()
    client.loop_stop()


def monitor_instance(
    host: str,
    port: int,
    client_id: str,
    db: str,
    go: Event,
    stop: Event,
    counter: Synchronized,  # type: ignore[type-arg]
) -> None:
    from cloud_sync.monitor.service import MonitorService
    from cloud_sync.monitor.settings import MonitorSettings
    from cloud_sync.monitor.storage import open_storage

    async def run() -> None:
        # MQTT 3.1.1 here (the session made before publishing): no Receive Maximum, and the
        # test broker sets no in-flight limit, so the whole queue may arrive unacknowledged.
        settings = MonitorSettings(db=db, topic_filter=TOPIC, max_pending=1_000_000)
        storage = open_storage(db)
        service = MonitorService(settings, storage.writer)
        stats = service.stats
        await asyncio.to_thread(go.wait)
        client = persistent_client(host, port, client_id)
        async with client, asyncio.TaskGroup() as tasks:
            writer = tasks.create_task(service.write_loop())
            # The session (and its subscription) exists already: only read.
            reader = tasks.create_task(service.consume(client, subscribe=False))
            while not stop.is_set():
                counter.value = stats.acknowledged  # stored, committed and acknowledged
                await asyncio.sleep(0.02)
            writer.cancel()
            reader.cancel()
        service.close()
        storage.close()

    asyncio.run(run())


def persistent_client(host: str, port: int, client_id: str) -> Any:
    """The project's MQTT client, resuming the persistent session made before publishing."""
    from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings

    # As central-monitor runs: each message acknowledged once its batch is committed.
    settings = MqttSettings(
        host=host, port=port, client_id=client_id, protocol=4, clean_start=False, manual_ack=True
    )
    return MqttClient(settings)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def race(
    target: Any, broker: Mosquitto, client_ids: list[str], dbs: list[str], total: int
) -> float:
    """Start the contenders, say go, return messages per second until ``total`` are done."""
    assert broker.proc is not None
    go, stop = mp.Event(), mp.Event()
    counters = [mp.Value("q", 0) for _ in client_ids]
    procs = [
        mp.Process(target=target, args=(broker.host, broker.port, cid, db, go, stop, counter))
        for cid, db, counter in zip(client_ids, dbs, counters, strict=True)
    ]
    for proc in procs:
        proc.start()
    time.sleep(2.0)  # imports and database opening are not part of the race
    pids = [p.pid for p in procs if p.pid is not None]
    cpu_before = [cpu_seconds(pid) for pid in pids]
    broker_before = cpu_seconds(broker.proc.pid)
    started = time.perf_counter()
    go.set()
    deadline = started + 600
    while sum(c.value for c in counters) < total:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {sum(c.value for c in counters)} of {total} after 600 s")
        if any(p.exitcode not in (None, 0) for p in procs):
            stop.set()
            raise RuntimeError("a contender failed (see its traceback above)")
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    used = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before, strict=True)]
    broker_used = cpu_seconds(broker.proc.pid) - broker_before
    stop.set()
    for proc in procs:
        proc.join(30)
    per_message = 1e6 * sum(used) / total
    print(
        f"    {elapsed:.1f} s; CPU: contenders {' + '.join(f'{u:.1f}' for u in used)} s"
        f" ({per_message:.0f} us/msg), broker {broker_used:.1f} s;"
        f" {(sum(used) + broker_used) / elapsed:.2f} of {os.cpu_count()} cores busy"
        + (f"; per instance {[c.value for c in counters]}" if len(counters) > 1 else "")
    )
    return total / elapsed


def count_rows(db: str) -> int:
    from cloud_sync.monitor.storage import open_storage

    storage = open_storage(db)
    try:
        return storage.queries.count_messages()
    finally:
        storage.close()


def drop_schemas(url: str, schemas: list[str]) -> None:
    import psycopg
    import psycopg.sql

    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            ident = psycopg.sql.Identifier(schema)
            conn.execute(psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(ident))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--gateways", type=int, default=200)
    parser.add_argument("--postgres", help="also measure one and two monitors into this URL")
    args = parser.parse_args()
    n, pg = args.messages, args.postgres

    workdir = Path(tempfile.mkdtemp(prefix="bench-central-"))
    broker = Mosquitto(workdir / "mosquitto").start()
    host, port = broker.host, broker.port
    one_db, shared_db = f"sqlite:///{workdir / 'one.db'}", f"sqlite:///{workdir / 'shared.db'}"
    # label, client ids, subscription, database per client
    scenarios: list[tuple[str, list[str], str, list[str]]] = [
        ("bare paho subscriber", ["bench-bare"], TOPIC, [""]),
        ("one monitor -> SQLite", ["bench-one"], TOPIC, [one_db]),
        (
            "two monitors, $share, one SQLite file",
            ["bench-s1", "bench-s2"],
            "$share/s/ccg/#",
            [shared_db] * 2,
        ),
    ]
    if pg:
        scenarios += [
            ("one monitor -> PostgreSQL", ["bench-pg-one"], TOPIC, [f"{pg}?schema=bench_one"]),
            (
                "two monitors, $share, one PostgreSQL",
                ["bench-pg-s1", "bench-pg-s2"],
                "$share/pg/ccg/#",
                [f"{pg}?schema=bench_two"] * 2,
            ),
        ]
    rates: dict[str, float] = {}
    try:
        print(
            f"central ingest: {n:,} messages, {args.gateways} gateways, {os.cpu_count()} CPUs,"
            f" load average {os.getloadavg()[0]:.2f}"
        )
        messages = build_messages(n, args.gateways)
        print(f"  envelope size {len(messages[0][1])} bytes (lane window)")
        for _label, client_ids, topic, _dbs in scenarios:
            for client_id in client_ids:
                make_session(host, port, client_id, topic)
        rate = publish(host, port, messages)
        print(f"  published at {rate:,.0f} msg/s (QoS 1, queued by the broker for each session)")
        for label, client_ids, _topic, dbs in scenarios:
            target = bare_subscriber if client_ids == ["bench-bare"] else monitor_instance
            rates[label] = race(target, broker, client_ids, dbs, n)
            if dbs[0]:
                stored = count_rows(dbs[0])
                assert stored == n, f"{label}: {stored} of {n} messages stored"
            print(f"  {label:40s} {rates[label]:10,.0f} msg/s")
    finally:
        broker.stop()
        if pg:
            drop_schemas(pg, ["bench_one", "bench_two"])
    bare = rates["bare paho subscriber"]
    one = rates["one monitor -> SQLite"]
    two = rates["two monitors, $share, one SQLite file"]
    print("\nagainst the targets:")
    print(
        f"  one monitor {one:,.0f}/s (target >= 20,000/s); {one / bare:.2f} x the bare"
        " subscriber (target >= 0.85)"
    )
    print(
        f"  two monitors on a shared subscription {two:,.0f}/s = {two / one:.2f} x one"
        " (target >= 1.7)"
    )
    if pg:
        pg_one = rates["one monitor -> PostgreSQL"]
        pg_two = rates["two monitors, $share, one PostgreSQL"]
        print(
            f"  PostgreSQL: one monitor {pg_one:,.0f}/s; two {pg_two:,.0f}/s"
            f" = {pg_two / pg_one:.2f} x one"
        )


if __name__ == "__main__":
    main()
