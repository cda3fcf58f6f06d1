"""Building each configured device's transport: one owner (poller) per device."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.config import ConfigError
from edge.config.models import CameraDeviceConfig, DeviceConfig, SerialDeviceConfig
from firmware_interfaces.codecs.errors import CodecOptionError, UnknownProtocolError
from firmware_interfaces.events import Emit
from firmware_interfaces.transports.serial_errors import SerialSettingsError
from firmware_interfaces.transports.serial_port import SerialDevice


@dataclass(frozen=True, slots=True)
class DeviceRunner:
    """A device's transport, ready to run: ``run(emit)`` until cancelled."""

    device_id: str
    run: Callable[[Emit], Coroutine[Any, Any, None]]
    write: Callable[[bytes], Awaitable[None]] | None = None


def build_serial(device: SerialDeviceConfig) -> DeviceRunner:
    overrides: dict[str, Any] = {"silence_after": device.silence_after_s, "name": device.id}
    if device.baudrate is not None:
        overrides["baudrate"] = device.baudrate
    transport = SerialDevice.for_protocol(device.protocol, device.port, device.options, **overrides)
    return DeviceRunner(device.id, transport.run, transport.write)


def build_camera(device: CameraDeviceConfig) -> DeviceRunner:
    from firmware_interfaces.camera.capture import CameraDevice, CameraSettings

    source: int | str = int(device.source) if device.source.isdigit() else device.source
    camera = CameraDevice(CameraSettings(source=source, fps=device.fps, loop_file=device.loop))
    return DeviceRunner(device.id, camera.run)


def build_runners(devices: list[DeviceConfig], source: Path) -> list[DeviceRunner]:
    """Transports for serial and camera devices; MQTT devices share the gateway's MQTT client.

    Raises :class:`ConfigError` naming ``source`` and each device's key for every problem.
    """
    runners: list[DeviceRunner] = []
    problems: list[tuple[str, str]] = []
    for index, device in enumerate(devices):
        key = f"devices[{index}]"
        try:
            if isinstance(device, SerialDeviceConfig):
                runners.append(build_serial(device))
            elif isinstance(device, CameraDeviceConfig):
                runners.append(build_camera(device))
        except UnknownProtocolError as exc:
            problems.append((f"{key}.protocol", str(exc)))
        except CodecOptionError as exc:
            problems.append((f"{key}.options.{exc.option}", exc.reason))
        except SerialSettingsError as exc:
            problems.append((f"{key}.{exc.setting}", exc.reason))
    if problems:
        raise ConfigError(source, problems)
    return runners
