"""The serial device protocols the gateway knows, as data.

The gateway config names a device's protocol (``"ascii-braces"``, ``"gy-mcu90614"``,
``"scanner"``) and may give codec options as a mapping; :func:`profile` finds the protocol's
:class:`DeviceProfile`, which builds the decoder the transport feeds and the encoder its
simulator speaks. ``mqtt-json`` thermometers are not here: they have no serial line (see
:mod:`firmware_interfaces.codecs.mqtt_thermometer`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from firmware_interfaces.codecs import gy_mcu90614, scanner, thermometer_ascii
from firmware_interfaces.codecs.base import CountingCodec, Encoder
from firmware_interfaces.codecs.errors import UnknownProtocolError


class DeviceKind(enum.StrEnum):
    THERMOMETER = "thermometer"
    SCANNER = "scanner"


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    protocol: str
    kind: DeviceKind
    description: str
    baudrate: int  # the device's factory setting; the config may override it
    build_decoder: Callable[[Mapping[str, object]], CountingCodec]
    build_encoder: Callable[[Mapping[str, object]], Encoder]
    #: Sent after every open when the device must be told to start talking, else None.
    on_open: bytes | None = None


def _ascii_decoder(options: Mapping[str, object]) -> CountingCodec:
    return thermometer_ascii.AsciiBracesDecoder(
        thermometer_ascii.AsciiBracesOptions.from_mapping(options)
    )


def _ascii_encoder(options: Mapping[str, object]) -> Encoder:
    thermometer_ascii.AsciiBracesOptions.from_mapping(options)  # the same options are valid
    return thermometer_ascii.AsciiBracesEncoder()


def _gy_decoder(options: Mapping[str, object]) -> CountingCodec:
    return gy_mcu90614.GyMcu90614Decoder(gy_mcu90614.GyMcu90614Options.from_mapping(options))


def _gy_encoder(options: Mapping[str, object]) -> Encoder:
    gy_mcu90614.GyMcu90614Options.from_mapping(options)
    return gy_mcu90614.GyMcu90614Encoder()


def _scanner_decoder(options: Mapping[str, object]) -> CountingCodec:
    return scanner.ScannerDecoder(scanner.ScannerOptions.from_mapping(options))


def _scanner_encoder(options: Mapping[str, object]) -> Encoder:
    return scanner.ScannerEncoder(scanner.ScannerOptions.from_mapping(options))


PROFILES: Mapping[str, DeviceProfile] = MappingProxyType(
    {
        p.protocol: p
        for p in (
            DeviceProfile(
                protocol=thermometer_ascii.PROTOCOL,
                kind=DeviceKind.THERMOMETER,
                description="ASCII {36.7} lines (IDC-50-style kiosk modules)",
                baudrate=thermometer_ascii.BAUDRATE,
                build_decoder=_ascii_decoder,
                build_encoder=_ascii_encoder,
            ),
            DeviceProfile(
                protocol=gy_mcu90614.PROTOCOL,
                kind=DeviceKind.THERMOMETER,
                description="GY-MCU90614 binary frames 5A 5A 45 04 ...",
                baudrate=gy_mcu90614.BAUDRATE,
                build_decoder=_gy_decoder,
                build_encoder=_gy_encoder,
                on_open=gy_mcu90614.CONTINUOUS,
            ),
            DeviceProfile(
                protocol=scanner.PROTOCOL,
                kind=DeviceKind.SCANNER,
                description="QR/barcode scanner, serial mode, suffix-terminated codes",
                baudrate=scanner.BAUDRATE,
                build_decoder=_scanner_decoder,
                build_encoder=_scanner_encoder,
            ),
        )
    }
)


def profile(protocol: str) -> DeviceProfile:
    try:
        return PROFILES[protocol]
    except KeyError:
        raise UnknownProtocolError(protocol, tuple(PROFILES)) from None
