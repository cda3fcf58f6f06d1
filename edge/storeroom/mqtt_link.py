"""The storeroom's MQTT side: shelf nodes in, alert notifications out.

It talks to the broker only through the gateway's one MQTT module
(:mod:`firmware_interfaces.transports.mqtt`). Shelf nodes publish JSON weights (see
:mod:`firmware_interfaces.codecs.shelf_json`) to ``<topic_prefix>/<shelf>`` or to a topic of
their own named in the shelf's settings; one wildcard subscription covers the prefix. Alert
changes are published as JSON to ``alert_topic``; if the broker is away they wait in a bounded
queue (the store keeps every alert for the uplink regardless).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from edge.storeroom.alerts import Alert
from edge.storeroom.settings import MqttSettings, ShelfSettings
from firmware_interfaces.codecs.shelf_json import ShelfJsonCodec
from firmware_interfaces.events import DeviceEvent
from firmware_interfaces.transports import mqtt

log = logging.getLogger(__name__)


def default_client_factory(settings: MqttSettings) -> Callable[[], Any]:
    """Build the gateway's MQTT client for ``settings``."""

    def make() -> mqtt.MqttClient:
        password = None
        if settings.password_file is not None:
            password = Path(settings.password_file).read_text(encoding="utf-8").strip()
        return mqtt.MqttClient(
            mqtt.MqttSettings(
                host=settings.host,
                port=settings.port,
                client_id=settings.client_id,
                username=settings.username,
                password=password,
                protocol=settings.protocol,
            )
        )

    return make


class ShelfRouter:
    """Topic -> (shelf, codec), decided once per topic."""

    def __init__(self, shelves: Sequence[ShelfSettings], settings: MqttSettings) -> None:
        self.prefix = settings.topic_prefix.rstrip("/")
        self.filters = [f"{self.prefix}/+"]
        self.routes: dict[str, tuple[str, ShelfJsonCodec]] = {}
        for shelf in shelves:
            if shelf.source != "mqtt":
                continue
            topic = shelf.topic or f"{self.prefix}/{shelf.key}"
            self.routes[topic] = (shelf.key, ShelfJsonCodec(capacity_kg=shelf.capacity_kg))
            if not topic.startswith(f"{self.prefix}/") or "/" in topic[len(self.prefix) + 1 :]:
                self.filters.append(topic)
        self.unknown_topics = 0

    def route(self, topic: str) -> tuple[str, ShelfJsonCodec] | None:
        found = self.routes.get(topic)
        if found is None:
            self.unknown_topics += 1
        return found


def alert_json(alert: Alert) -> bytes:
    """The local MQTT payload of an alert (also what the page's JSON shows)."""
    return json.dumps(asdict(alert), default=str, separators=(",", ":")).encode()


async def run_mqtt(
    router: ShelfRouter,
    handle: Callable[[str, DeviceEvent], None],
    settings: MqttSettings,
    client_factory: Callable[[], Any],
    alerts: asyncio.Queue[Alert],
) -> None:
    """Subscribe the shelves, feed their readings to ``handle``, publish alerts. Runs forever."""
    async with client_factory() as client:
        for topic_filter in router.filters:
            try:
                await client.subscribe(topic_filter, qos=1)
            except mqtt.MqttError as exc:  # refused (ACL): the other shelves still work
                log.error("storeroom: cannot subscribe to %s: %s", topic_filter, exc)

        async def receive() -> None:
            async for message in client.messages():
                found = router.route(message.topic)
                if found is not None:
                    shelf, codec = found
                    handle(shelf, codec.decode(message.payload))

        async def notify() -> None:
            while True:
                alert = await alerts.get()
                while True:
                    try:
                        await client.publish(settings.alert_topic, alert_json(alert), qos=1)
                        break
                    except Exception as exc:  # MqttError: the link dropped; wait for it
                        log.warning("storeroom: alert %s not published: %s", alert.alert_id, exc)
                        await client.wait_connected()

        async with asyncio.TaskGroup() as tg:
            tg.create_task(receive(), name="storeroom:mqtt:receive")
            tg.create_task(notify(), name="storeroom:mqtt:notify")
