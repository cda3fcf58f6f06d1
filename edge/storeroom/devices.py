"""The storeroom's device side: one Modbus poller per RS-485 bus, the MQTT shelves and notifier.

Everything here feeds one ``emit(sensor, event)`` callable (the intake's ``handle``) and knows
nothing of stock or alerts beyond handing an alert to the MQTT link to publish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from edge.storeroom import messages
from edge.storeroom.alerts import Alert
from edge.storeroom.errors import InvalidInputError, SensorCommandError, UnknownSensorError
from edge.storeroom.mqtt_link import ShelfRouter, default_client_factory, run_mqtt
from edge.storeroom.settings import StoreroomSettings
from firmware_interfaces.modbus.errors import DeviceCommandError

if TYPE_CHECKING:
    from firmware_interfaces.modbus.poller import BusEmit, BusPoller

COMMANDS = ("tare", "zero")


def make_pollers(settings: StoreroomSettings, emit: BusEmit) -> dict[str, BusPoller]:
    """One poller per bus that has devices on it, keyed by bus.

    pymodbus (the ``modbus`` extra) is imported only when there is a Modbus device: a
    storeroom whose shelves are all on MQTT runs on the base install.
    """
    if not settings.climate and all(s.source != "modbus" for s in settings.shelves):
        return {}
    from firmware_interfaces.modbus.poller import BusPoller, PolledDevice, SerialLine

    pollers = {}
    for b in settings.buses:
        devices = [
            PolledDevice(s.key, s.address or 0, s.weight_profile(), s.poll_seconds)
            for s in settings.shelves
            if s.source == "modbus" and s.bus == b.key
        ] + [
            PolledDevice(c.key, c.address, c.climate_profile(), c.poll_seconds)
            for c in settings.climate
            if c.bus == b.key
        ]
        if devices:
            line = SerialLine(
                b.port,
                baudrate=b.baudrate,
                parity=b.parity,
                stopbits=b.stopbits,
                timeout=b.timeout_seconds,
                retries=b.retries,
            )
            pollers[b.key] = BusPoller(line, devices, emit)
    return pollers


class StoreroomDevices:
    def __init__(
        self,
        settings: StoreroomSettings,
        emit: BusEmit,
        mqtt_client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self._settings = settings
        self._emit = emit
        self._mqtt_factory = mqtt_client_factory
        self.pollers = make_pollers(settings, emit)
        self.mqtt_router: ShelfRouter | None = None
        self._alerts_out: asyncio.Queue[Alert] | None = None

    def notify(self, alert: Alert) -> None:
        """Queue an alert for the local MQTT topic (dropped when full: the store keeps it)."""
        if self._alerts_out is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._alerts_out.put_nowait(alert)

    async def run(self) -> None:
        """Poll every bus and run the MQTT link, until cancelled."""
        async with asyncio.TaskGroup() as tg:
            for key, poller in self.pollers.items():
                tg.create_task(poller.run(), name=f"storeroom:modbus:{key}")
            mqtt = self._settings.mqtt
            if mqtt is not None:
                factory = self._mqtt_factory or default_client_factory(mqtt)
                self._alerts_out = asyncio.Queue(maxsize=1000)
                self.mqtt_router = ShelfRouter(self._settings.shelves, mqtt)
                tg.create_task(
                    run_mqtt(self.mqtt_router, self._emit, mqtt, factory, self._alerts_out),
                    name="storeroom:mqtt",
                )

    async def command(self, shelf: str, command: str) -> None:
        """``tare`` or ``zero`` a Modbus shelf; raises a :class:`StoreroomError` saying why not."""
        cfg = next((s for s in self._settings.shelves if s.key == shelf), None)
        if cfg is None:
            raise UnknownSensorError(shelf)
        if command not in COMMANDS:
            raise InvalidInputError(messages.unknown_command(command))
        poller = self.pollers.get(cfg.bus or "") if cfg.source == "modbus" else None
        if poller is None:
            raise SensorCommandError(shelf, command, messages.ONLY_MODBUS_COMMANDS)
        try:
            await poller.command(shelf, command)
        except DeviceCommandError as exc:
            raise SensorCommandError(shelf, command, exc.reason) from exc
