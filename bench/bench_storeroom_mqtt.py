"""Storeroom: gateway CPU per 1,000 shelf readings over MQTT, beside a bare paho subscriber.

    .venv/bin/python bench/bench_storeroom_mqtt.py [--shelves 500] [--rate 10] [--seconds 20]
        [--qos 0] [--host H --port P]   # default: a Mosquitto of its own on a free port

One run, one local Mosquitto, one stream: ``--shelves`` simulated shelf nodes each publish
``--rate`` JSON weights a second (``{"kg": 12.345, "seq": n}`` to ``bench/shelves/<shelf>``)
for ``--seconds``. Two consumers receive the same stream at the same time, each in a process
of its own:

- the gateway side: a :class:`edge.storeroom.StoreroomService` with one item per shelf, its
  MQTT link (through ``firmware_interfaces.transports.mqtt``), filters, counts, forecasts,
  alert logic, a real SQLite store (synchronous=FULL) and the 1-second tick;
- the baseline: a bare paho subscriber that only counts messages.

For each, the process CPU time (user + system, all threads, from ``resource.getrusage``)
between the first and the last reading is reported per 1,000 readings and as a share of one
core, with readings received against readings sent. Target: the gateway under half a core at
500 x 10/s, with no reading dropped.

The shelves are not idle: every shelf loses a unit every ~20 s (so counts change, usage is
recorded and LOW alerts open), readings carry +-10 g of noise, and 1 % of them are a hand on
the shelf (+5 kg), which the filter must ignore. The bare subscriber imports paho directly:
it is the baseline the gateway's transport is measured against.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import threading
import time
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from tests.brokers import Mosquitto

PREFIX = "bench/shelves"
PROBE = f"{PREFIX}/probe"  # not a shelf: tells each consumer its subscription works
UNIT_KG = 0.2
TARE_KG = 1.0


def start_units(shelf: int) -> int:
    return 80 + shelf % 40


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """CPU and wall clock from the first counted reading to the last."""

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress  # a shared counter the main process watches
        self.count = 0
        self.first_wall = self.first_cpu = 0.0
        self.last_wall = self.last_cpu = 0.0

    def seen(self, count: int) -> None:
        if count and not self.count:
            self.first_wall, self.first_cpu = time.monotonic(), cpu_seconds()
        if count != self.count:
            self.last_wall, self.last_cpu = time.monotonic(), cpu_seconds()
            if self.progress is not None:
                self.progress.value = count
        self.count = count

    def result(self, name: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "received": self.count,
            "cpu": self.last_cpu - self.first_cpu,
            "wall": self.last_wall - self.first_wall,
            **extra,
        }


# -- the baseline: bare paho ----------------------------------------------------------------
def bare_subscriber(
    host: str,
    port: int,
    qos: int,
    ready: Event,
    done: Event,
    out: mp.Queue[Any],
    progress: Any,
) -> None:
    counter = {"shelf": 0, "probe": 0}

    def on_message(_c: Any, _u: Any, msg: paho.MQTTMessage) -> None:
        if msg.topic == PROBE:
            counter["probe"] += 1
        else:
            counter["shelf"] += 1

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare")
    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(f"{PREFIX}/+", qos=qos)
    client.connect(host, port)
    client.loop_start()
    meter = Meter(progress)
    while not counter["probe"]:
        time.sleep(0.05)
    ready.set()
    while not done.is_set():
        meter.seen(counter["shelf"])
        time.sleep(0.02)
    meter.seen(counter["shelf"])
    client.loop_stop()
    client.disconnect()
    out.put(meter.result("bare paho subscriber"))


# -- the gateway side -----------------------------------------------------------------------
def gateway(
    host: str,
    port: int,
    shelves: int,
    ready: Event,
    done: Event,
    out: mp.Queue[Any],
    progress: Any,
    profile: str | None = None,
) -> None:
    if profile is None:
        asyncio.run(_gateway(host, port, shelves, ready, done, out, progress))
        return
    import cProfile

    cProfile.runctx(
        "asyncio.run(_gateway(host, port, shelves, ready, done, out, progress))",
        globals(),
        {**locals(), "asyncio": asyncio},
        profile,
    )


async def _gateway(
    host: str,
    port: int,
    shelves: int,
    ready: Event,
    done: Event,
    out: mp.Queue[Any],
    progress: Any,
) -> None:
    from edge.core.bus import Bus
    from edge.core.store import Store
    from edge.storeroom import MIGRATIONS, StoreroomService
    from edge.storeroom.settings import (
        ItemSettings,
        MqttSettings,
        ShelfSettings,
        StoreroomSettings,
    )

    settings = StoreroomSettings(
        items=tuple(
            ItemSettings(
                key=f"item-{n:03d}",
                unit="box",
                unit_weight_kg=UNIT_KG,
                shelf=f"s{n:03d}",
                container_tare_kg=TARE_KG,
                lead_time_days=3,
                # every tenth shelf crosses its minimum at its first take: LOW alerts open
                minimum=start_units(n) - 1 if n % 10 == 0 else 40,
            )
            for n in range(shelves)
        ),
        shelves=tuple(
            ShelfSettings(key=f"s{n:03d}", source="mqtt", capacity_kg=60) for n in range(shelves)
        ),
        mqtt=MqttSettings(
            host=host,
            port=port,
            client_id="bench-gateway",
            topic_prefix=PREFIX,
            alert_topic="bench/alerts",
        ),
    )
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "gw.db", [MIGRATIONS]) as store:
        bus = Bus()
        sub = bus.subscribe(maxsize=100_000)  # a consumer of the bus, like the page or uplink
        service = StoreroomService(settings, store, bus)
        task = asyncio.create_task(service.run(), name="storeroom")
        meter = Meter(progress)
        while service.mqtt_router is None or not service.mqtt_router.unknown_topics:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the probe reached us: subscribed
        ready.set()
        while not done.is_set():
            meter.seen(service.readings)
            await asyncio.sleep(0.02)
        meter.seen(service.readings)
        stock_events = 0
        while (event := sub.get_nowait()) is not None:
            stock_events += type(event).__name__ == "StockChanged"
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sensors = service.sensors()
        rejected = sum(sum(s.rejected.values()) for s in sensors)
        out.put(
            meter.result(
                "gateway storeroom service",
                rejected=rejected,
                faults=sum(s.state == "fault" for s in sensors),
                alerts=len(service.open_alerts()),
                stock_events=stock_events,
                counts=[service.item_view(f"item-{n:03d}").on_hand for n in range(shelves)],
                bus_dropped=sub.dropped,
                write_errors=service.write_errors,
            )
        )


# -- the shelves ----------------------------------------------------------------------------
def publisher(
    host: str, port: int, shelves: int, rate: float, seconds: float, qos: int, out: mp.Queue[Any]
) -> None:
    rng = random.Random(7)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-shelves")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    units = [start_units(n) for n in range(shelves)]
    next_take = [rng.uniform(5, 25) for _ in range(shelves)]
    period = 1.0 / rate
    slots = 100  # publish in 100 slices per period, so the stream is smooth, not bursty
    per_slot = max(1, shelves // slots)
    sent = seq = 0
    start = time.monotonic()
    tick = 0
    while True:
        base = start + tick * period
        if base - start >= seconds:
            break
        for s in range(0, shelves, per_slot):
            at = base + (s / shelves) * period
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elapsed = at - start
            for n in range(s, min(s + per_slot, shelves)):
                if elapsed >= next_take[n] and units[n] > 0:
                    units[n] -= 1
                    next_take[n] += 20.0
                kg = TARE_KG + units[n] * UNIT_KG + rng.uniform(-0.01, 0.01)
                if rng.random() < 0.01:
                    kg += 5.0  # a hand on the shelf
                seq += 1
                payload = json.dumps({"kg": round(kg, 4), "seq": seq}, separators=(",", ":"))
                info = client.publish(f"{PREFIX}/s{n:03d}", payload.encode(), qos=qos)
                if info.rc == paho.MQTT_ERR_SUCCESS:
                    sent += 1
        tick += 1
    wall = time.monotonic() - start
    client.loop_stop()
    client.disconnect()
    # A take in the last few seconds may not have settled yet: it is not checked.
    settled = [t - 20.0 < wall - 5.0 for t in next_take]
    out.put({"name": "publisher", "sent": sent, "wall": wall, "units": units, "settled": settled})


def probe_until(host: str, port: int, ready: list[Event]) -> None:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-probe")
    client.connect(host, port)
    client.loop_start()
    while not all(e.is_set() for e in ready):
        client.publish(PROBE, b'{"kg": 0}', qos=1)
        time.sleep(0.1)
    client.loop_stop()
    client.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shelves", type=int, default=500)
    parser.add_argument("--rate", type=float, default=10.0, help="readings per shelf per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--qos", type=int, default=0, choices=[0, 1])
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--profile", help="write a cProfile of the gateway process here")
    args = parser.parse_args()

    broker = None
    if args.host is None:
        broker = Mosquitto(Path(tempfile.mkdtemp(prefix="bench-storeroom-"))).start()
        host, port = broker.host, broker.port
    else:
        host, port = args.host, args.port or 1883
    ctx = mp.get_context("spawn")
    out: mp.Queue[Any] = ctx.Queue()
    done = ctx.Event()
    ready = [ctx.Event(), ctx.Event()]
    progress = [ctx.Value("q", 0), ctx.Value("q", 0)]
    consumers = [
        ctx.Process(
            target=gateway,
            args=(host, port, args.shelves, ready[0], done, out, progress[0], args.profile),
        ),
        ctx.Process(
            target=bare_subscriber,
            args=(host, port, args.qos, ready[1], done, out, progress[1]),
        ),
    ]
    load_before = os.getloadavg()
    try:
        for p in consumers:
            p.start()
        prober = threading.Thread(target=probe_until, args=(host, port, ready), daemon=True)
        prober.start()
        for e in ready:
            if not e.wait(60):
                raise SystemExit("a consumer did not subscribe within 60 s")
        prober.join()
        time.sleep(0.5)
        pub = ctx.Process(
            target=publisher,
            args=(host, port, args.shelves, args.rate, args.seconds, args.qos, out),
        )
        pub.start()
        pub.join()
        published = out.get(timeout=60)
        # Drain: until both consumers have everything, or neither moved for 3 s.
        last, still = [-1, -1], time.monotonic()
        while time.monotonic() - still < 3.0:
            now = [v.value for v in progress]
            if all(n >= published["sent"] for n in now):
                break
            if now != last:
                last, still = now, time.monotonic()
            time.sleep(0.1)
        done.set()
        results = {r["name"]: r for r in (out.get(timeout=120) for _ in range(2))}
        results["publisher"] = published
        for p in consumers:
            p.join(30)
    finally:
        for p in consumers:
            if p.is_alive():
                p.kill()
        if broker is not None:
            broker.stop()
    load_after = os.getloadavg()

    sent = results["publisher"]["sent"]
    offered = args.shelves * args.rate
    print(
        f"stream: {args.shelves} shelves x {args.rate:g}/s for {args.seconds:g} s, "
        f"QoS {args.qos}: {sent} readings sent in {results['publisher']['wall']:.1f} s "
        f"({sent / results['publisher']['wall']:.0f}/s)"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before and "
        f"{load_after[0]:.1f} after (other work on the machine skews the figures)"
    )
    # "at offered rate" = CPU per reading x readings per second: the share of one core the
    # consumer needs to keep up, independent of whether a busy machine let it fall behind.
    print(
        f"{'consumer':28} {'received':>9} {'dropped':>8} {'CPU s':>7} {'ms CPU/1k':>10} "
        f"{'core @offered':>13} {'core measured':>13}"
    )
    for name in ("bare paho subscriber", "gateway storeroom service"):
        r = results[name]
        per_reading = r["cpu"] / max(r["received"], 1)
        measured = r["cpu"] / r["wall"] if r["wall"] else float("nan")
        print(
            f"{name:28} {r['received']:>9} {sent - r['received']:>8} {r['cpu']:>7.2f} "
            f"{per_reading * 1e6:>10.1f} {per_reading * offered:>13.1%} {measured:>13.1%}"
        )
    g = results["gateway storeroom service"]
    print(
        f"gateway: rejected={g['rejected']} sensors in fault={g['faults']} "
        f"stock changes={g['stock_events']} open alerts={g['alerts']} "
        f"bus events dropped={g['bus_dropped']} "
        f"store write errors={g['write_errors']}"
    )
    pub = results["publisher"]
    checked = [n for n, ok in enumerate(pub["settled"]) if ok]
    wrong = [n for n in checked if g["counts"][n] != pub["units"][n]]
    examples = ", ".join(f"s{n:03d} {g['counts'][n]} not {pub['units'][n]}" for n in wrong[:5])
    print(
        f"counts: {len(checked) - len(wrong)} of {len(checked)} settled shelves right"
        + (f" (e.g. {examples})" if wrong else "")
    )
    share = g["cpu"] / max(g["received"], 1) * offered
    verdict = share < 0.5 and g["received"] == sent
    print(
        "target (< 0.5 core at the offered rate, nothing dropped):", "met" if verdict else "NOT met"
    )


if __name__ == "__main__":
    main()
