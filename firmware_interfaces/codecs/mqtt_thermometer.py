"""Thermometers that publish over MQTT: one JSON payload per reading.

Accepted payloads: ``{"temperature": 36.7}``, ``{"celsius": 36.7, "ambient": 22.1}`` (the field
names are options) or a bare number ``36.7``. This module only decodes payload bytes; the MQTT
transport that subscribes and hands payloads over lives elsewhere.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from firmware_interfaces.codecs import _options as opt
from firmware_interfaces.codecs._framing import drop
from firmware_interfaces.codecs.errors import CodecOptionError
from firmware_interfaces.events import FrameRejected, TemperatureReading

PROTOCOL = "mqtt-json"


@dataclass(frozen=True, slots=True)
class MqttThermometerOptions:
    #: Field names tried in order for the body temperature, and for the ambient temperature.
    fields: tuple[str, ...] = ("temperature", "celsius")
    ambient_fields: tuple[str, ...] = ("ambient", "ambient_celsius")
    min_celsius: float = -40.0
    max_celsius: float = 125.0
    max_payload: int = 4096

    def __post_init__(self) -> None:
        if not self.fields:
            raise CodecOptionError(PROTOCOL, "fields", "name at least one field")
        if self.min_celsius >= self.max_celsius:
            raise CodecOptionError(PROTOCOL, "min_celsius", "must be below max_celsius")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> MqttThermometerOptions:
        return opt.build_options(
            PROTOCOL,
            cls,
            mapping,
            {
                "fields": _as_names,
                "ambient_fields": _as_names,
                "min_celsius": opt.as_float,
                "max_celsius": opt.as_float,
                "max_payload": opt.as_int,
            },
        )


def _as_names(value: object) -> tuple[str, ...]:
    """One field name or a list of them."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TypeError(f"expected a field name or a list of them, got {value!r}")


class _NotFiniteError(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotFiniteError(name)  # NaN, Infinity, -Infinity: Python's json takes them, JSON does not


class MqttThermometerDecoder:
    """Payload bytes in, a reading or a counted, explained rejection out. Never raises."""

    def __init__(self, options: MqttThermometerOptions | None = None) -> None:
        self._options = options or MqttThermometerOptions()
        self.counters: Counter[str] = Counter()

    def decode(self, payload: bytes) -> TemperatureReading | FrameRejected:
        if len(payload) > self._options.max_payload:
            return drop(self.counters, "payload too long", payload)
        try:
            document = json.loads(payload, parse_constant=_refuse_constant)
        except _NotFiniteError:
            return drop(self.counters, "not a finite number", payload)
        except (ValueError, RecursionError):  # also UnicodeDecodeError
            return drop(self.counters, "not JSON", payload)
        if isinstance(document, dict):
            celsius = _first(document, self._options.fields)
            ambient = _first(document, self._options.ambient_fields)
            if celsius is _MISSING:
                return drop(self.counters, "no temperature field", payload)
        else:
            celsius, ambient = document, _MISSING
        reason = self._check(celsius) or (None if ambient is _MISSING else self._check(ambient))
        if reason is not None:
            return drop(self.counters, reason, payload)
        return TemperatureReading(float(celsius), None if ambient is _MISSING else float(ambient))

    def _check(self, value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "temperature not a number"
        try:
            if not math.isfinite(value):
                return "not a finite number"
        except OverflowError:  # an integer too big for a float
            return "implausible value"
        if not self._options.min_celsius <= value <= self._options.max_celsius:
            return "implausible value"
        return None


_MISSING: Any = object()


def _first(document: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if document.get(name) is not None:  # some sensors send null for "no ambient"
            return document[name]
    return _MISSING


def encode(reading: TemperatureReading, field: str = "temperature") -> bytes:
    """A reading as the payload a sensor would publish (for simulators and tests)."""
    body: dict[str, float] = {field: reading.celsius}
    if reading.ambient_celsius is not None:
        body["ambient"] = reading.ambient_celsius
    return json.dumps(body).encode()
