"""Outbox drain: 100,000 QoS 1 messages from the uplink's SQLite outbox to a local Mosquitto.

Beside it, in the same run, the baseline: bare paho (its own network thread, no store)
publishing the same 100,000 QoS 1 messages, with the same window of messages in flight.
Run: ``.venv/bin/python bench/bench_outbox_drain.py [N]``. Target: >= 5,000 msg/s.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cloud_sync.protocol import Stream  # noqa: E402
from cloud_sync.uplink import MIGRATIONS, outbox  # noqa: E402
from cloud_sync.uplink.drain import Drainer  # noqa: E402
from edge.core.store import Store  # noqa: E402
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings  # noqa: E402
from tests.brokers import Mosquitto  # noqa: E402

WINDOW = 1000


def payloads(n: int) -> list[outbox.Outgoing]:
    return [
        outbox.Outgoing(Stream.ALERT.value, f"alert-{i}", {"state": "open", "n": i}, True, rev=1)
        for i in range(n)
    ]


def baseline(port: int, items: list[tuple[str, bytes]]) -> tuple[float, float]:
    done = threading.Semaphore(0)
    window = threading.Semaphore(WINDOW)
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.max_inflight_messages_set(0)

    def on_publish(*_args: object) -> None:
        window.release()
        done.release()

    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    time.sleep(0.5)
    start, cpu = time.perf_counter(), time.process_time()
    for topic, payload in items:
        window.acquire()
        client.publish(topic, payload, qos=1)
    for _ in items:
        done.acquire()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    client.disconnect()
    client.loop_stop()
    return len(items) / elapsed, len(items) / cpu


async def drain(port: int, db: Path, n: int, protocol: int = 5) -> tuple[float, float]:
    store = Store(db, [MIGRATIONS], synchronous="NORMAL").open()
    for chunk in range(0, n, 10_000):
        store.write_sync(
            functools.partial(
                outbox.enqueue,
                gateway="gw-bench",
                items=payloads(n)[chunk : chunk + 10_000],
                now=time.time(),
                max_rows=10 * n,
            )
        )
    settings = MqttSettings(port=port, max_inflight=WINDOW, protocol=protocol)  # type: ignore[arg-type]
    async with MqttClient(settings) as client:
        await client.wait_connected(10)
        drainer = Drainer(store, client)
        start, cpu = time.perf_counter(), time.process_time()
        task = asyncio.create_task(drainer.run())
        while drainer.stats.sent < n:  # noqa: ASYNC110 (a benchmark polls its counter)
            await asyncio.sleep(0.02)
        while (await store.read(outbox.depth)).rows > 0:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        task.cancel()
    store.close()
    return n / elapsed, n / cpu


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp) / "broker").start()
        try:
            sample = payloads(1)[0]
            body = outbox.Envelope(  # type: ignore[attr-defined]
                gateway="gw-bench",
                stream=sample.stream,
                key="alert-0",
                rev=1,
                seq=1,
                at="2026-01-01T00:00:00.000Z",
                clock_synced=True,
                body=sample.body,
            ).encode()
            topic = "ccg/v1/gw-bench/data/alert"
            bare = baseline(broker.port, [(topic, body)] * n)
            ours = asyncio.run(drain(broker.port, Path(tmp) / "gw5.db", n, 5))
            ours4 = asyncio.run(drain(broker.port, Path(tmp) / "gw4.db", n, 4))
        finally:
            broker.stop()
    print(f"{n:,} QoS 1 messages to a local Mosquitto, {WINDOW} in flight")
    print("  (msg/s of wall clock; in brackets msg per CPU-second of this process, which a")
    print("   loaded machine distorts less)")
    print(
        f"  bare paho, MQTT 5 (loop_start thread, no store): {bare[0]:8,.0f} msg/s"
        f"  [{bare[1]:8,.0f}]"
    )
    print(
        f"  uplink outbox drain, MQTT 5 (SQLite, PUBACK, delete): {ours[0]:8,.0f} msg/s"
        f"  [{ours[1]:8,.0f}]"
    )
    print(
        f"  uplink outbox drain, MQTT 3.1.1:                      {ours4[0]:8,.0f} msg/s"
        f"  [{ours4[1]:8,.0f}]"
    )
    print(f"  machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("  target: >= 5,000 msg/s")


if __name__ == "__main__":
    main()
