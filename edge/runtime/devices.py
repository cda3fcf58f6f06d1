"""Building each configured device's transport: one owner (poller) per device."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from edge.config.models import CameraDeviceConfig, DeviceConfig, SerialDeviceConfig
from firmware_interfaces.codecs.catalogue import profile
from firmware_interfaces.events import Emit
from firmware_interfaces.transports.serial_port import SerialDevice, SerialSettings


@dataclass(frozen=True, slots=True)
class DeviceRunner:
    """A device's transport, ready to run: ``run(emit)`` until cancelled."""

    device_id: str
    run: Callable[[Emit], Coroutine[Any, Any, None]]
    write: Callable[[bytes], Awaitable[None]] | None = None


def build_serial(device: SerialDeviceConfig) -> DeviceRunner:
    prof = profile(device.protocol)
    codec = prof.build_decoder(device.options)
    transport = SerialDevice(
        SerialSettings(
            port=device.port,
            baudrate=device.baudrate or prof.baudrate,
            silence_after=device.silence_after_s,
            on_open=prof.on_open,
            name=device.id,
        ),
        codec,
    )
    return DeviceRunner(device.id, transport.run, transport.write)


def build_camera(device: CameraDeviceConfig) -> DeviceRunner:
    from firmware_interfaces.camera.capture import CameraDevice, CameraSettings

    source: int | str = int(device.source) if device.source.isdigit() else device.source
    camera = CameraDevice(CameraSettings(source=source, fps=device.fps, loop_file=device.loop))
    return DeviceRunner(device.id, camera.run)


def build_runners(devices: list[DeviceConfig]) -> list[DeviceRunner]:
    """Transports for serial and camera devices; MQTT devices share the gateway's MQTT client."""
    runners: list[DeviceRunner] = []
    for device in devices:
        if isinstance(device, SerialDeviceConfig):
            runners.append(build_serial(device))
        elif isinstance(device, CameraDeviceConfig):
            runners.append(build_camera(device))
    return runners
