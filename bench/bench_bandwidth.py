"""Bytes per gateway-hour for a busy entrance: the uplink's aggregates vs forwarding raw events.

One simulated hour, one lane, one screening every 3 s (1,200), plus what a storeroom and
devices add (a stock reading a minute for 5 items, 2 device changes, 2 alert transitions).
The uplink side runs the real service's tick (windows from a real SQLite store), stock
throttling, heartbeats and outbox; an online gateway is modelled by sending (and removing) the
outbox after every simulated second. The baseline, in the same run: every raw event as its own
JSON envelope. Bytes are MQTT 5 PUBLISH packets on the wire (fixed header, topic, message id,
properties, payload) plus the 4-byte PUBACK coming back. Target: uplink <= 1/20 of raw.
Run: ``.venv/bin/python bench/bench_bandwidth.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import random
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cloud_sync.protocol import Envelope, data_topic  # noqa: E402
from cloud_sync.uplink import MIGRATIONS, UplinkService, UplinkSettings, outbox  # noqa: E402
from cloud_sync.uplink.privacy import PersonHasher  # noqa: E402
from edge.checkpoint.queries import NewScreening, insert_screening  # noqa: E402
from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS  # noqa: E402
from edge.core.bus import Bus  # noqa: E402
from edge.core.events import AlertChanged, DeviceStatus, Outcome, ScreeningDecided, StockChanged  # noqa: E402
from edge.core.store import Store  # noqa: E402

T0 = 1_790_000_100.0
HOUR = 3600
BY_STREAM: dict[str, int] = {}
ITEMS = ("masks", "gloves", "sanitiser", "thermometer-covers", "rice")


def wire_bytes(topic: str, payload: bytes) -> int:
    remaining = 2 + len(topic.encode()) + 2 + 1 + len(payload)
    varint = 1 if remaining < 128 else 2 if remaining < 16384 else 3
    return 1 + varint + remaining + 4  # + PUBACK


def events(rng: random.Random) -> list[tuple[float, object]]:
    out: list[tuple[float, object]] = []
    for i in range(HOUR // 3):
        at = T0 + i * 3 + rng.random()
        deny = rng.random() < 0.05
        out.append(
            (
                at,
                ScreeningDecided(
                    screening_id=i + 1,
                    lane="north-gate",
                    at=at,
                    outcome=Outcome.DENY if deny else Outcome.ADMIT,
                    reason="fever 37.9 °C" if deny else "ok",
                    rule="fever" if deny else "pass",
                    temperature=round(rng.uniform(36.0, 38.2 if deny else 37.2), 1),
                    code_type="health-code",
                    code_status="green",
                    complete=True,
                ),
            )
        )
    for minute in range(60):
        for item in ITEMS:
            out.append(
                (
                    T0 + minute * 60 + 30,
                    StockChanged(
                        item, 500 - minute * 2 + rng.random(), "pcs", 4.2, 100.0, T0 + minute * 60
                    ),
                )
            )
    out.append((T0 + 600, DeviceStatus("scanner-1", "scanner", "silent", "no data 30 s", T0 + 600)))
    out.append((T0 + 660, DeviceStatus("scanner-1", "scanner", "connected", "ok", T0 + 660)))
    out.append((T0 + 900, AlertChanged("a1", "low", "gloves", "warning", "open", "low", T0 + 900)))
    out.append(
        (T0 + 1500, AlertChanged("a1", "low", "gloves", "warning", "acknowledged", "ok", T0 + 1500))
    )
    return sorted(out, key=lambda pair: pair[0])


def raw_bytes(evs: list[tuple[float, object]]) -> int:
    total = 0
    for seq, (at, event) in enumerate(evs, 1):
        kind = type(event).__name__
        body = json.loads(json.dumps(dataclasses.asdict(event)))  # type: ignore[call-overload]
        env = Envelope("gw-busy", kind, str(seq), 1, seq, outbox.iso(at), True, body)
        total += wire_bytes(data_topic("gw-busy", kind), env.encode())
    return total


async def uplink_bytes(evs: list[tuple[float, object]], tmp: Path) -> tuple[int, int]:
    store = Store(tmp / "gw.db", [CHECKPOINT_MIGRATIONS, MIGRATIONS], synchronous="OFF").open()
    settings = UplinkSettings(
        gateway_id="gw-busy",
        broker_host="unused",
        tls=False,
        hmac_key_file=tmp / "hmac.key",
        clock_check="trust",
    )
    now = T0
    service = UplinkService(settings, store, Bus(), clock=lambda: now)
    service._hasher = PersonHasher(b"k" * 32)  # what run() does before its tasks start
    service.synced = True
    sent = messages = 0
    pending = list(evs)
    next_heartbeat = T0
    for second in range(HOUR + settings.window_s):
        now = T0 + second
        while pending and pending[0][0] <= now:
            _at, event = pending.pop(0)
            if isinstance(event, ScreeningDecided):
                record = NewScreening(
                    event.lane,
                    event.at,
                    event.outcome.value,
                    event.reason,
                    event.rule,
                    "v1",
                    event.temperature,
                    event.code_type,
                    event.code_status,
                    True,
                    None,
                    True,
                    f"resident-{event.screening_id % 400}",
                    "RAW",
                )
                await store.write(functools.partial(insert_screening, s=record))
            elif isinstance(event, StockChanged):
                service._stock[event.item] = event
            elif isinstance(event, AlertChanged):
                await service.enqueue([service._alert(event)])
            elif isinstance(event, DeviceStatus):
                await service.enqueue([service._device(event)])
        await service.tick(now)
        await service.enqueue(service._stock_due(now))
        if now >= next_heartbeat:
            next_heartbeat = now + settings.heartbeat_s
            await service.enqueue([await service._heartbeat()])
        rows = await store.read(lambda db: outbox.fetch(db, (-1, 0), 10_000))
        if rows:
            sent += sum(wire_bytes(r.topic, r.payload) for r in rows)
            for r in rows:
                stream = r.topic.rsplit("/", 1)[-1]
                BY_STREAM[stream] = BY_STREAM.get(stream, 0) + wire_bytes(r.topic, r.payload)
            messages += len(rows)
            acked = [(r.id, r.rev) for r in rows]
            await store.write(functools.partial(outbox.delete_acked, acked=acked))
    store.close()
    return sent, messages


def main() -> None:
    evs = events(random.Random(7))
    raw = raw_bytes(evs)
    with tempfile.TemporaryDirectory() as tmp:
        ours, messages = asyncio.run(uplink_bytes(evs, Path(tmp)))
    print("one busy entrance, one hour (1,200 screenings + storeroom and device events)")
    print(f"  forwarding every raw event: {raw:10,} bytes/gateway-hour ({len(evs):,} messages)")
    print(f"  uplink aggregates:          {ours:10,} bytes/gateway-hour ({messages:,} messages)")
    print("    by stream: " + ", ".join(f"{k} {v:,}" for k, v in sorted(BY_STREAM.items())))
    print(f"  ratio: 1/{raw / ours:.1f} (target: at most 1/20)")


if __name__ == "__main__":
    main()
