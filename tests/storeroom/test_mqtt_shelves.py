"""MQTT shelf nodes and alert notifications through a real Mosquitto."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.core.bus import Bus
from edge.core.store import Store
from edge.storeroom import MIGRATIONS, StoreroomService
from edge.storeroom.settings import (
    AlertSettings,
    FilterSettings,
    ItemSettings,
    MqttSettings,
    ShelfSettings,
    StoreroomSettings,
)
from firmware_interfaces.codecs.shelf_json import encode_shelf_payload
from firmware_interfaces.transports import mqtt
from tests.brokers import Mosquitto
from tests.storeroom.conftest import eventually

PREFIX = "test/storeroom/shelves"
ALERTS = "test/storeroom/alerts"


def settings(broker: Mosquitto) -> StoreroomSettings:
    return StoreroomSettings(
        items=(
            ItemSettings(
                key="gel",
                unit="bottle",
                unit_weight_kg=0.5,
                shelf="esp-1",
                lead_time_days=2,
                minimum=3,
            ),
            ItemSettings(
                key="masks",
                unit="box",
                unit_weight_kg=0.25,
                shelf="esp-2",
                container_tare_kg=1.0,
                lead_time_days=2,
            ),
        ),
        shelves=(
            ShelfSettings(key="esp-1", source="mqtt"),
            ShelfSettings(key="esp-2", source="mqtt", topic="test/storeroom/custom/esp-2/w"),
        ),
        mqtt=MqttSettings(
            host=broker.host,
            port=broker.port,
            client_id="storeroom-test",
            topic_prefix=PREFIX,
            alert_topic=ALERTS,
        ),
        filter=FilterSettings(settle_seconds=0.2, median_window=3),
        alerts=AlertSettings(fault_alert_after_seconds=0.3),
        tick_seconds=0.1,
    )


@pytest.fixture
async def running(
    tmp_path: Path, mosquitto: Mosquitto
) -> AsyncIterator[tuple[StoreroomService, object]]:
    with Store(tmp_path / "gw.db", [MIGRATIONS]) as store:
        service = StoreroomService(settings(mosquitto), store, Bus())
        task = asyncio.create_task(service.run())
        publisher = mqtt.MqttClient(
            mqtt.MqttSettings(host=mosquitto.host, port=mosquitto.port, client_id="node")
        )
        async with publisher:
            await publisher.wait_connected(10)
            await eventually(lambda: service.mqtt_router is not None)
            try:
                yield service, publisher
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def send(publisher: object, topic: str, payload: bytes, times: int = 8) -> None:
    for _ in range(times):
        await publisher.publish(topic, payload, qos=1)  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)


async def test_shelf_nodes_count_and_bad_payloads_fault(
    running: tuple[StoreroomService, object],
) -> None:
    service, publisher = running
    # The subscription is made as the service starts; resend until the first reading lands.
    async with asyncio.timeout(10):
        while service.item_view("gel").on_hand != 10:
            await send(publisher, f"{PREFIX}/esp-1", encode_shelf_payload(5.0), times=2)
    await send(publisher, "test/storeroom/custom/esp-2/w", b'{"g": 3500}')
    await eventually(lambda: service.item_view("masks").on_hand == 10)
    for bad in (b"{not json", b'{"kg": "heavy"}', b'{"kg": NaN}', b'{"kg": -7}', b"[]"):
        await send(publisher, f"{PREFIX}/esp-1", bad, times=3)
    sensor = next(s for s in service.sensors() if s.key == "esp-1")
    assert sensor.state == "fault" and sensor.reason == "not a JSON object"
    assert set(sensor.rejected) == {
        "not JSON",
        "weight is not a number",
        "negative weight",
        "not a JSON object",
    }
    await eventually(lambda: [a.kind for a in service.open_alerts()] == ["sensor-fault"])
    assert service.item_view("gel").on_hand == 10  # no false "out of stock"
    await send(publisher, f"{PREFIX}/unknown-shelf", encode_shelf_payload(1.0), times=1)
    await eventually(
        lambda: service.mqtt_router is not None and service.mqtt_router.unknown_topics >= 1
    )


async def test_alerts_are_published_locally(
    running: tuple[StoreroomService, object], mosquitto: Mosquitto
) -> None:
    service, publisher = running
    watcher = mqtt.MqttClient(
        mqtt.MqttSettings(host=mosquitto.host, port=mosquitto.port, client_id="watcher")
    )
    async with watcher:
        await watcher.wait_connected(10)
        await watcher.subscribe(ALERTS, qos=1)
        async with asyncio.timeout(10):
            while service.item_view("gel").on_hand != 10:
                await send(publisher, f"{PREFIX}/esp-1", encode_shelf_payload(5.0), times=2)
        await send(publisher, f"{PREFIX}/esp-1", encode_shelf_payload(0.0))  # none left
        await eventually(lambda: service.item_view("gel").on_hand == 0)
        seen = []
        async with asyncio.timeout(10):
            async for message in watcher.messages():
                seen.append(json.loads(message.payload))
                if {a["kind"] for a in seen} >= {"out", "low"}:
                    break
        out = next(a for a in seen if a["kind"] == "out")
        assert out["alert_id"] == "out:gel:1" and out["state"] == "open"
        assert out["severity"] == "critical" and out["subject"] == "gel"
