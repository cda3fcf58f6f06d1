"""An MQTT thermometer on a real Mosquitto feeds the lane; bad payloads are counted."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from edge.config import load_config
from edge.core.events import DeviceInputRejected, DeviceStatus, ScreeningDecided
from edge.demo.workspace import LanePorts, make_workspace
from edge.runtime.assembly import Gateway
from firmware_interfaces.simulators.devices import ScannerSimulator
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.waiting import until

TOPIC = "checkpoint/gate/thermometer"


async def test_mqtt_thermometer_screening_and_link_loss(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    async with ScannerSimulator("CR") as scanner:
        ws = make_workspace(
            tmp_path / "gw",
            [LanePorts("gate", "Gate", "mqtt", TOPIC, scanner.path)],
            web_port=0,
            extra_toml=f'[mqtt]\nhost = "127.0.0.1"\nport = {mosquitto.port}\n',
        )
        gateway = Gateway(load_config(ws.config), source=ws.config)
        sub = gateway.bus.subscribe()
        task = asyncio.create_task(gateway.run())
        try:
            connected: set[str] = set()
            while connected != {"gate-thermometer", "gate-scanner"}:
                event = await until(
                    sub, lambda e: isinstance(e, DeviceStatus) and e.state == "connected"
                )
                connected.add(event.device)
            async with MqttClient(
                MqttSettings(port=mosquitto.port, client_id="test-thermo", protocol=4)
            ) as thermo:
                await thermo.wait_connected(10)
                await thermo.publish(TOPIC, b"not json", qos=1)
                rejected = await until(sub, lambda e: isinstance(e, DeviceInputRejected))
                assert (rejected.device, rejected.reason) == ("gate-thermometer", "not JSON")
                await thermo.publish(TOPIC, b'{"temperature": 38.2, "ambient": 22.0}', qos=1)
                await asyncio.sleep(0.2)
                await scanner.scan(ws.issuer.issue("r-1", "green"))
                decided = await until(sub, lambda e: isinstance(e, ScreeningDecided))
                assert (decided.outcome.value, decided.reason) == ("DENY", "fever 38.2 °C")
            mosquitto.stop()
            lost = await until(
                sub,
                lambda e: (
                    isinstance(e, DeviceStatus)
                    and e.device == "gate-thermometer"
                    and e.state == "unplugged"
                ),
            )
            assert "unreachable" in lost.reason
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
