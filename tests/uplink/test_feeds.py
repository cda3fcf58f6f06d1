"""Alerts, stock and device health reach the centre from their tables, not only the bus
(issue 12.8): a burst far beyond the bus's 10,000 events while the uplink is down, and a
restart in the middle of sending, lose nothing that was committed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from cloud_sync.uplink import MIGRATIONS as UPLINK_MIGRATIONS
from cloud_sync.uplink import UplinkService
from edge.checkpoint.feeds import DeviceFeed
from edge.checkpoint.queries import record_device_event
from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS
from edge.checkpoint.settings import DeviceSpec
from edge.core.bus import Bus
from edge.core.store import Store
from edge.storeroom import records
from edge.storeroom.alerts import Alert, AlertKind, AlertState
from edge.storeroom.feeds import feeds as storeroom_feeds
from edge.storeroom.migrations import MIGRATIONS as STOREROOM_MIGRATIONS
from edge.storeroom.settings import ItemSettings, StoreroomSettings
from tests.brokers import Mosquitto
from tests.mqtt.helpers import wait_until
from tests.uplink.conftest import make_settings
from tests.uplink.helpers import T0, Collector

STOREROOM = StoreroomSettings(
    items=(ItemSettings(key="masks", unit="box", unit_weight_kg=0.2, lead_time_days=2),)
)
DEVICES = [DeviceSpec("north-thermometer", "north", "thermometer", "serial")]


def open_gateway_store(path: Path) -> Store:
    sets = [CHECKPOINT_MIGRATIONS, STOREROOM_MIGRATIONS, UPLINK_MIGRATIONS]
    return Store(path, sets, synchronous="NORMAL").open()


def alert(n: int, state: AlertState, at: float) -> Alert:
    return Alert(
        alert_id=f"low:item{n}:1",
        kind=AlertKind.LOW,
        subject=f"item{n}",
        severity="warning",
        state=state,
        message=f"item{n}: {state}",
        opened_at=T0,
        updated_at=at,
        notified_at=at,
    )


async def test_a_burst_and_a_restart_lose_no_committed_alert_or_device_state(
    tmp_path: Path,
    mosquitto: Mosquitto,
    collector: Collector,
    run_service: Callable[..., UplinkService],
) -> None:
    store = open_gateway_store(tmp_path / "gateway.db")
    transitions = 12_000  # more than the bus holds
    try:

        def burst(db: object) -> None:
            for n in range(transitions // 3):
                for i, state in enumerate(
                    (AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.RESOLVED)
                ):
                    records.save_alert(alert(n, state, T0 + i))(db)  # type: ignore[arg-type]
            for i, state in enumerate(("connected", "silent", "unplugged", "connected")):
                record_device_event(
                    db,  # type: ignore[arg-type]
                    device="north-thermometer", at=T0 + i, kind="state", state=state, reason=state,
                )  # fmt: skip

        store.write_sync(burst)
        feeds = [*storeroom_feeds(STOREROOM, clock=lambda: T0), DeviceFeed(DEVICES)]
        settings = make_settings(tmp_path, mosquitto)
        task = asyncio.create_task(
            UplinkService(settings, store, Bus(), feeds=feeds, clock=lambda: T0).run()
        )

        def alerts_seen() -> int:
            return sum(1 for m in collector.raw if m.topic.endswith("/data/alert"))

        await wait_until(lambda: alerts_seen() > 1000, 60)
        task.cancel()  # a restart in the middle
        with contextlib.suppress(asyncio.CancelledError):
            await task
        run_service(settings, store, Bus(), feeds=feeds, clock=lambda: T0)

        def every_transition() -> bool:
            latest = collector.stream("alert")
            return len(latest) == transitions // 3 and all(
                v["body"]["state"] == "resolved" for v in latest.values()
            )

        await wait_until(every_transition, 120)
        revs = {
            (key, v["rev"])
            for (gw, stream, key), v in collector.latest.items()
            if stream == "alert"
        }
        assert len(revs) == transitions // 3
        assert all(v["rev"] == 3 for k, v in collector.stream("alert").items())  # three each

        def device_state() -> str | None:
            found = collector.stream("device-health").get("north-thermometer")
            return None if found is None else str(found["body"]["state"])

        await wait_until(lambda: device_state() == "connected")
        assert collector.stream("device-health")["north-thermometer"]["rev"] == 4
    finally:
        store.close()


async def test_stock_from_its_table_is_paced_but_a_change_of_band_goes_at_once(
    tmp_path: Path,
    mosquitto: Mosquitto,
    collector: Collector,
    run_service: Callable[..., UplinkService],
) -> None:
    store = open_gateway_store(tmp_path / "gateway.db")
    now = [T0]
    try:
        settings = make_settings(tmp_path, mosquitto, stock_min_interval_s=900)
        feeds = storeroom_feeds(STOREROOM, clock=lambda: now[0])
        run_service(settings, store, Bus(), feeds=feeds, clock=lambda: now[0])

        def stock(on_hand: float) -> None:
            store.write_sync(records.save_stock("masks", on_hand, 0.0, 0.0, now[0]))

        def sent() -> list[float]:
            return [
                float(m.payload.split(b'"on_hand":')[1].split(b",")[0])
                for m in collector.raw
                if m.topic.endswith("/data/stock")
            ]

        stock(40.0)
        await wait_until(lambda: sent() == [40.0])
        stock(39.0)  # the same band, within the interval: it waits
        stock(38.0)
        await asyncio.sleep(2.5)  # two ticks
        assert sent() == [40.0]
        stock(0.0)  # out: at once
        await wait_until(lambda: sent() == [40.0, 0.0])
        stock(12.0)  # back in stock: a change of band, at once
        await wait_until(lambda: sent() == [40.0, 0.0, 12.0])
        stock(11.0)
        now[0] += 901  # the interval passes: the latest waiting goes
        await wait_until(lambda: sent() == [40.0, 0.0, 12.0, 11.0])
        body = collector.stream("stock")["masks"]["body"]
        assert body["unit"] == "box" and body["days_of_supply"] is None
    finally:
        store.close()
