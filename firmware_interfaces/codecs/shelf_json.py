"""JSON weights from MQTT shelf nodes (ESP-style boards with a load cell and an HX711).

One MQTT message is one frame. Accepted payloads (UTF-8 JSON objects, at most 1 KiB)::

    {"kg": 12.345}
    {"g": 12345}
    {"weight": 12.345, "unit": "kg"}        # unit "kg" (default) or "g"
    {"error": "hx711 not ready"}            # the board says its cell is unreadable

Other keys (``seq``, ``ts``, ``rssi``...) are ignored. Anything else, and any weight that is
not a finite number within the shelf's range, comes back as a
:class:`~firmware_interfaces.events.FrameRejected` with a short reason; nothing raises.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from firmware_interfaces.events import DeviceEvent, FrameRejected, ShelfWeight, rejected
from firmware_interfaces.words import N_

MAX_PAYLOAD = 1024
_GRAMS = {"kg": 1.0, "g": 0.001}


def _reject_constant(name: str) -> float:
    raise ValueError(name)  # NaN/Infinity are not JSON, whatever Python's json allows


# Built once: json.loads(..., parse_constant=...) would build a decoder per message.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


@dataclass(frozen=True, slots=True)
class ShelfJsonCodec:
    capacity_kg: float = 200.0
    negative_tolerance_kg: float = 0.05
    idle_timeout: float | None = None

    def decode(self, payload: bytes) -> ShelfWeight | FrameRejected:
        if len(payload) > MAX_PAYLOAD:
            return rejected(N_("payload too long"), payload)
        try:
            doc = _DECODER.decode(payload.decode("utf-8"))
        except UnicodeDecodeError:
            return rejected(N_("not UTF-8"), payload)
        except (ValueError, RecursionError):
            return rejected(N_("not JSON"), payload)
        if not isinstance(doc, dict):
            return rejected(N_("not a JSON object"), payload)
        if "error" in doc:
            return rejected(
                N_("device error: {error}").format(error=str(doc["error"])[:60]), payload
            )
        if "kg" in doc:
            value, factor = doc["kg"], 1.0
        elif "g" in doc:
            value, factor = doc["g"], _GRAMS["g"]
        elif "weight" in doc:
            unit = doc.get("unit", "kg")
            if unit not in _GRAMS:
                return rejected(N_("unknown unit"), payload)
            value, factor = doc["weight"], _GRAMS[unit]
        else:
            return rejected(N_("no weight"), payload)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return rejected(N_("weight is not a number"), payload)
        kilograms = float(value) * factor
        if not math.isfinite(kilograms):
            return rejected(N_("weight is not a number"), payload)
        if kilograms < -self.negative_tolerance_kg:
            return rejected(N_("negative weight"), payload)
        if kilograms > self.capacity_kg:
            return rejected(N_("weight above capacity"), payload)
        return ShelfWeight(kilograms)

    # The stream-codec shape (see codecs/base.py): one MQTT message is one complete frame.
    def feed(self, data: bytes) -> list[DeviceEvent]:
        return [self.decode(data)]

    def idle(self) -> list[DeviceEvent]:
        return []


def encode_shelf_payload(kilograms: float, seq: int | None = None) -> bytes:
    """What a shelf node publishes (used by simulators and the benchmark)."""
    doc: dict[str, float | int] = {"kg": round(kilograms, 4)}
    if seq is not None:
        doc["seq"] = seq
    return json.dumps(doc, separators=(",", ":")).encode()
