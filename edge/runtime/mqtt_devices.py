"""MQTT thermometers: one client to the local broker for every MQTT device of the gateway.

Each device names the exact topic it publishes to; its payloads go through the same kind of
codec as a serial device's bytes, so a malformed message is a counted, explained rejection.
The devices' state follows the broker link: connected while it is up, unplugged while not.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from edge.config.models import MqttDeviceConfig, MqttSection
from edge.core.words import N_
from firmware_interfaces.codecs.mqtt_thermometer import (
    MqttThermometerDecoder,
    MqttThermometerOptions,
)
from firmware_interfaces.events import DeviceState, DeviceStateChanged, Emit
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings

# A device's state, as the page shows it (translated there: edge/i18n).
LINK_UP = N_("MQTT broker {broker} connected")
LINK_DOWN = N_("MQTT broker {broker} unreachable")

_LINK_CHECK_S = 0.5


def client_settings(section: MqttSection) -> MqttSettings:
    password = section.password_file.read_text().strip() if section.password_file else None
    return MqttSettings(
        host=section.host,
        port=section.port,
        client_id=section.client_id,
        username=section.username,
        password=password,
        protocol=4,
    )


async def run_mqtt_devices(
    section: MqttSection, devices: list[MqttDeviceConfig], emit_for: Callable[[str], Emit]
) -> None:
    """Run until cancelled: subscribe each device's topic and feed its codec."""
    routes: dict[str, tuple[Emit, MqttThermometerDecoder]] = {}
    emits: list[Emit] = []
    for device in devices:
        fields = (device.field, *MqttThermometerOptions().fields)
        decoder = MqttThermometerDecoder(
            MqttThermometerOptions(fields=tuple(dict.fromkeys(fields)))
        )
        emit = emit_for(device.id)
        routes[device.topic] = (emit, decoder)
        emits.append(emit)
    where = f"{section.host}:{section.port}"
    async with MqttClient(client_settings(section)) as client:
        for topic in routes:
            await client.subscribe(topic)
        watcher = asyncio.create_task(_follow_link(client, emits, where))
        try:
            async for message in client.messages():
                route = routes.get(message.topic)
                if route is not None:
                    emit, decoder = route
                    emit(decoder.decode(message.payload))
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


async def _follow_link(client: MqttClient, emits: list[Emit], where: str) -> None:
    up: bool | None = None
    while True:
        now_up = client.connected.is_set()
        if now_up != up:
            up = now_up
            state = DeviceStateChanged(
                DeviceState.CONNECTED if up else DeviceState.UNPLUGGED,
                (LINK_UP if up else LINK_DOWN).format(broker=where),
            )
            for emit in emits:
                emit(state)
        await asyncio.sleep(_LINK_CHECK_S)
