"""The serial transport against simulated devices on real pseudo-terminals."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from firmware_interfaces.codecs.gy_mcu90614 import QUERY, GyCommand
from firmware_interfaces.codecs.scanner import TRIGGER, ScannerDecoder, ScannerOptions
from firmware_interfaces.codecs.thermometer_ascii import AsciiBracesDecoder
from firmware_interfaces.events import (
    CodeScanned,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    TemperatureReading,
)
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from firmware_interfaces.transports.backoff import Backoff
from firmware_interfaces.transports.serial_errors import NotConnectedError, SerialSettingsError
from firmware_interfaces.transports.serial_port import SerialDevice, SerialSettings
from tests.devices.helpers import Recorder, running

FAST: dict[str, Any] = {"backoff_initial": 0.02, "backoff_max": 0.1}


def thermometer(path: Path, protocol: str = "ascii-braces", **settings: Any) -> SerialDevice:
    return SerialDevice.for_protocol(protocol, str(path), **{**FAST, **settings})


def test_for_protocol_takes_the_profile_defaults_and_overrides() -> None:
    gy = SerialDevice.for_protocol("gy-mcu90614", "/dev/ttyUSB0")
    assert gy.settings.baudrate == 9600
    assert gy.settings.on_open == bytes.fromhex("a545ea")
    scanner = SerialDevice.for_protocol(
        "scanner", "usb:0c2e:0b61", {"suffix": "CRLF"}, baudrate=115200, silence_after=60
    )
    assert scanner.settings.baudrate == 115200
    assert scanner.settings.silence_after == 60
    assert isinstance(scanner.codec, ScannerDecoder)


async def test_readings_arrive_and_garbage_is_counted() -> None:
    events = Recorder()
    async with ThermometerSimulator("ascii-braces") as sim:
        device = thermometer(sim.path)
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await sim.send_reading(36.6)
            await sim.send_raw(b"\x00\xffnoise{37.")
            await sim.send_raw(b"9}\r\n")
            assert await events.wait_readings(2) == [
                TemperatureReading(36.6),
                TemperatureReading(37.9),
            ]
            assert isinstance(device.codec, AsciiBracesDecoder)
            assert device.codec.counters == {"garbage before frame": 1}
    assert events.events[0] == DeviceStateChanged(DeviceState.CONNECTED, "port opened")


async def test_gy_module_is_started_by_the_open_command_and_answers_queries() -> None:
    events = Recorder()
    async with ThermometerSimulator("gy-mcu90614") as sim:
        device = thermometer(sim.path, "gy-mcu90614")
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await events.wait_for(lambda: sim.streaming, "the continuous-output command")
            await sim.send_reading(36.71, 24.5)
            assert await events.wait_readings(1) == [TemperatureReading(36.71, 24.5)]
            sim.streaming = False  # as if the module had been told to stop; query instead
            await sim.send_reading(38.2, 24.0)
            await device.write(QUERY)
            await events.wait_readings(2)
            assert sim.commands == [GyCommand.CONTINUOUS, GyCommand.QUERY]
            assert events.events[-1] == TemperatureReading(38.2, 24.0)


async def test_unplug_is_reported_once_and_replug_through_the_stable_link(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="firmware_interfaces.transports.serial_port")
    link = tmp_path / "usb-Thermometer_1234-if00-port0"
    events = Recorder()
    async with ThermometerSimulator("ascii-braces", link=link) as sim:
        device = thermometer(link)
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await sim.send_raw(b"{36.")  # cut off by the unplug
            codec = device.codec
            assert isinstance(codec, AsciiBracesDecoder)
            await events.wait_for(lambda: codec.buffered == 3, "half a frame")
            sim.unplug()
            await events.wait_state(DeviceState.UNPLUGGED)
            # Let it retry (and fail) several times: still one event, one warning.
            await events.wait_for(
                lambda: sum("open failed" in r.message for r in caplog.records) >= 3, "retries"
            )
            sim.replug()
            await events.wait_state(DeviceState.CONNECTED, count=2)
            await sim.send_reading(36.8)
            await events.wait_readings(1)
    assert events.states() == [
        DeviceState.CONNECTED,
        DeviceState.UNPLUGGED,
        DeviceState.CONNECTED,
    ]
    assert [e for e in events.events if not isinstance(e, DeviceStateChanged)] == [
        FrameRejected("incomplete frame", b"{36."),
        TemperatureReading(36.8),
    ]
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "unavailable" in warnings[0]
    assert "recovered" in warnings[1]


async def test_a_port_missing_at_start_is_unplugged_until_it_appears(tmp_path: Path) -> None:
    link = tmp_path / "scanner"
    events = Recorder()
    device = SerialDevice(SerialSettings(str(link), **FAST), ScannerDecoder())
    async with running(device, events):
        await events.wait_state(DeviceState.UNPLUGGED)
        assert device.state is DeviceState.UNPLUGGED
        with pytest.raises(NotConnectedError):
            await device.write(TRIGGER)
        async with ScannerSimulator(link=link) as sim:
            await events.wait_state(DeviceState.CONNECTED)
            await sim.scan("HC1:XYZ")
            assert await events.wait_codes(1) == [CodeScanned("HC1:XYZ")]
    first = events.events[0]
    assert isinstance(first, DeviceStateChanged)
    assert first.reason == "no such file or directory"


async def test_silence_and_resumption() -> None:
    events = Recorder()
    async with ThermometerSimulator("ascii-braces") as sim:
        device = thermometer(sim.path, silence_after=0.2)
        async with running(device, events):
            await events.wait_state(DeviceState.SILENT)
            await sim.send_reading(36.5)
            await events.wait_readings(1)
            await events.wait_state(DeviceState.CONNECTED, count=2)
            await events.wait_state(DeviceState.SILENT, count=2)
    assert events.states() == [
        DeviceState.CONNECTED,
        DeviceState.SILENT,
        DeviceState.CONNECTED,
        DeviceState.SILENT,
    ]
    resumed = [e for e in events.events if isinstance(e, DeviceStateChanged)][2]
    assert resumed.reason == "data resumed"


async def test_scanner_without_suffix_ends_codes_by_inter_character_timeout() -> None:
    events = Recorder()
    async with ScannerSimulator() as sim:
        codec = ScannerDecoder(ScannerOptions(idle_timeout=0.05))
        device = SerialDevice(SerialSettings(str(sim.path), **FAST), codec)
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await sim.send_raw(b"NO-SUFFIX-1")
            await events.wait_codes(1)
            await sim.send_raw(b"NO-SUFFIX-2")
            assert await events.wait_codes(2) == [
                CodeScanned("NO-SUFFIX-1"),
                CodeScanned("NO-SUFFIX-2"),
            ]


async def test_a_large_signed_code_round_trips_through_the_pty() -> None:
    code = "HC1:" + "".join(chr(0x41 + i % 26) for i in range(6000))
    events = Recorder()
    async with ScannerSimulator(suffix="CRLF", aim=True) as sim:
        codec = ScannerDecoder(ScannerOptions(suffix=b"\r\n", aim=True))
        device = SerialDevice(SerialSettings(str(sim.path), **FAST), codec)
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await sim.scan(code)
            await sim.scan("small")
            assert await events.wait_codes(2) == [
                CodeScanned(code, "Q1"),
                CodeScanned("small", "Q1"),
            ]


async def test_trigger_mode_sends_only_after_the_trigger_command() -> None:
    events = Recorder()
    async with ScannerSimulator(trigger_mode=True) as sim:
        device = SerialDevice(SerialSettings(str(sim.path), **FAST), ScannerDecoder())
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await sim.scan("WAITING")
            assert list(sim.waiting) == [b"WAITING\r"]
            await device.write(TRIGGER)
            assert await events.wait_codes(1) == [CodeScanned("WAITING")]
            assert not sim.waiting


async def test_a_garbage_flood_keeps_memory_bounded_and_readings_still_arrive() -> None:
    events = Recorder()
    async with ThermometerSimulator("ascii-braces") as sim:
        device = thermometer(sim.path)
        codec = device.codec
        assert isinstance(codec, AsciiBracesDecoder)
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            noise = bytes(b for b in range(256) if b not in b"{}\r\n") * 4
            for _ in range(256):  # about 250 KiB at once
                await sim.send_raw(noise)
                assert codec.buffered <= 17
            await sim.send_reading(36.6)
            await events.wait_readings(1)
            # Every byte is counted: as garbage, or (should the loop fall behind) as dropped.
            seen = 256 * len(noise) - device.dropped_bytes
            assert codec.counters["garbage before frame"] >= seen // 256 - 1


async def test_socket_url_and_end_of_file() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # pyserial drains a socket on open: answer the open command, not the connection.
        await reader.readexactly(1)
        writer.write(b"{36.4}\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    events = Recorder()
    device = SerialDevice(
        SerialSettings(
            f"socket://127.0.0.1:{port}", on_open=b"?", backoff_initial=5.0, backoff_max=5.0
        ),
        AsciiBracesDecoder(),
    )
    async with server, running(device, events):
        await events.wait_state(DeviceState.UNPLUGGED)
    assert events.events[:3] == [
        DeviceStateChanged(DeviceState.CONNECTED, "port opened"),
        TemperatureReading(36.4),
        DeviceStateChanged(DeviceState.UNPLUGGED, "end of file"),
    ]


async def test_loop_url_is_read_by_a_thread() -> None:
    events = Recorder()
    device = SerialDevice(SerialSettings("loop://", **FAST), AsciiBracesDecoder())
    async with running(device, events):
        await events.wait_state(DeviceState.CONNECTED)
        await device.write(b"{36.3}\r\n")  # loop:// echoes what is written
        assert await events.wait_readings(1) == [TemperatureReading(36.3)]


async def test_usb_port_that_is_not_attached_is_unplugged() -> None:
    events = Recorder()
    device = SerialDevice(SerialSettings("usb:1a86:7523:NOPE", **FAST), AsciiBracesDecoder())
    async with running(device, events):
        await events.wait_state(DeviceState.UNPLUGGED)
    assert events.events == [
        DeviceStateChanged(DeviceState.UNPLUGGED, "no such USB device attached")
    ]


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"port": ""}, "port"),
        ({"port": "usb:1a86"}, "port"),
        ({"port": "/dev/ttyUSB0", "parity": "X"}, "parity"),
        ({"port": "/dev/ttyUSB0", "silence_after": 0}, "silence_after"),
        ({"port": "/dev/ttyUSB0", "backoff_initial": 5, "backoff_max": 1}, "backoff_max"),
    ],
)
def test_bad_settings_name_the_setting(settings: dict[str, Any], setting: str) -> None:
    with pytest.raises(SerialSettingsError) as error:
        SerialSettings(**settings)
    assert error.value.setting == setting


async def test_a_port_another_gateway_holds_is_reported_in_use() -> None:
    first, second = Recorder(), Recorder()
    async with ThermometerSimulator("ascii-braces") as sim, running(thermometer(sim.path), first):
        await first.wait_state(DeviceState.CONNECTED)
        async with running(thermometer(sim.path), second):
            await second.wait_state(DeviceState.UNPLUGGED)
    assert second.events[0] == DeviceStateChanged(
        DeviceState.UNPLUGGED, "port in use by another program"
    )


class RecordingBackoff(Backoff):
    def __init__(self) -> None:
        super().__init__(0.001, 0.01)
        self.calls: list[str] = []

    def next_delay(self) -> float:
        self.calls.append("wait")
        return super().next_delay()

    def reset(self) -> None:
        self.calls.append("reset")
        super().reset()


async def test_backoff_restarts_only_after_the_device_talked() -> None:
    talk = True

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(1)  # the open command: pyserial has drained the socket by now
        if talk:
            writer.write(b"{36.6}\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    events, backoff = Recorder(), RecordingBackoff()
    device = SerialDevice(
        SerialSettings(f"socket://127.0.0.1:{port}", on_open=b"?"), AsciiBracesDecoder(), backoff
    )
    async with server, running(device, events):
        await events.wait_state(DeviceState.UNPLUGGED, count=2)
        talk = False
        await events.wait_for(lambda: backoff.calls.count("wait") >= 6, "silent drops")
    # Each drop after talking resets the backoff; drops of a silent device do not.
    assert backoff.calls[:4] == ["reset", "wait", "reset", "wait"]
    assert backoff.calls[-3:] == ["wait", "wait", "wait"]
