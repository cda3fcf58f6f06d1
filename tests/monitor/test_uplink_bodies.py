"""The per-stream schemas accept what the real uplink sends, message for message.

A real ``UplinkService`` over a seeded gateway store, with alerts, stock and device health on
its bus and a signed and a forged policy command from the centre, talks to a real Mosquitto;
every message it sends (birth, windows, stock, alerts, health, heartbeat, acks, death) is
classified by the centre's ingest: none is set aside.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from cloud_sync.monitor.ingest import Rejected, classify
from cloud_sync.policy_signing import generate_keypair, sign_policy
from cloud_sync.protocol import Stream, command_topic
from cloud_sync.schemas import DATA
from cloud_sync.uplink import UplinkService, UplinkSettings
from edge.core.bus import Bus
from edge.core.events import AlertChanged, DeviceStatus, StockChanged
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.monitor.helpers import wait_until
from tests.uplink.helpers import T0, collecting, open_store, seed


def test_the_schemas_cover_exactly_the_protocols_streams() -> None:
    assert set(DATA) == {s.value for s in Stream}


async def test_everything_the_uplink_sends_passes_the_centres_schemas(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    private, public = generate_keypair()
    (tmp_path / "centre.pub").write_bytes(public)
    settings = UplinkSettings(
        gateway_id="gw-real",
        community="Riverside",
        broker_host=mosquitto.host,
        broker_port=mosquitto.port,
        tls=False,
        hmac_key_file=tmp_path / "hmac.key",
        centre_public_key_file=tmp_path / "centre.pub",
        clock_check="trust",
        window_settle_s=0,
        backoff_initial_s=0.1,
        backoff_max_s=0.5,
    )
    store = open_store(tmp_path / "gateway.db")
    store.write_sync(lambda db: seed(db, 400, lanes=2))
    bus = Bus()
    applied: list[dict[str, Any]] = []
    service = UplinkService(
        settings, store, bus, apply_policy=applied.append, clock=lambda: T0 + 7200
    )
    async with collecting(mosquitto) as found:
        task = asyncio.create_task(service.run())
        try:
            await wait_until(lambda: found.births != [], 20)
            bus.publish(
                AlertChanged("low:masks:1", "low", "masks", "warning", "open", "masks: 4 left", T0)
            )
            bus.publish(
                AlertChanged("out:gloves:1", "out", "gloves", "critical", "resolved", "", T0)
            )
            bus.publish(
                DeviceStatus("thermo-1", "thermometer", "silent", "no reading for 30 s", T0)
            )
            bus.publish(StockChanged("masks", 4.0, "box", None, 10.0, T0))
            bus.publish(StockChanged("gloves", 0.0, "pair", 0.0, None, T0))
            signed = sign_policy({"fever_threshold_c": 37.5, "version": "v2"}, private, "centre")
            forged = sign_policy({"fever_threshold_c": 39.0}, generate_keypair()[0], "centre")
            async with MqttClient(MqttSettings(port=mosquitto.port, client_id="centre")) as centre:
                await centre.wait_connected(10)
                for command in (signed, forged):
                    await centre.publish(command_topic("gw-real", "policy"), command)
            await wait_until(lambda: len(found.stream("ack")) == 2, 20)
            for stream in ("alert", "stock", "device-health", "heartbeat", "lane-window"):
                await wait_until(lambda s=stream: len(found.stream(s)) > 0, 20)  # type: ignore[misc]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task  # a clean stop sends the death
        await wait_until(lambda: any(m.topic.endswith("/death") for m in found.raw), 10)
    store.close()

    kinds = {m.topic.split("/")[3] for m in found.raw}
    assert {"birth", "data", "ack", "death"} <= kinds
    refused = [
        (m.topic, item.reason)
        for m in found.raw
        if isinstance(item := classify(m.topic, m.payload, 0.0), Rejected)
    ]
    assert refused == []
    assert applied == [{"fever_threshold_c": 37.5, "version": "v2"}]


def test_asyncapi_documents_every_field_of_every_schema() -> None:
    from cloud_sync.schemas import ACKS, LIFECYCLE

    text = (Path(__file__).parents[2] / "cloud_sync" / "asyncapi.yaml").read_text()
    channels = {f"data/{name}": schema for name, schema in DATA.items()}
    channels |= {f"ack/{name}": schema for name, schema in ACKS.items()}
    channels |= LIFECYCLE
    for channel, schema in channels.items():
        start = text.index(f"  ccg/v1/{{gw}}/{channel}:")
        end = text.find("\n  ccg/v1/", start + 1)
        section = text[start : end if end > 0 else None]
        assert f"required: [{', '.join(schema.required)}]" in section, channel
        for name in [*schema.required, *schema.optional]:
            assert f"{name}: {{" in section, f"{channel}: {name}"
        assert "additionalProperties: false" in section, channel
