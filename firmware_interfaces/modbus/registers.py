"""Registers to values and events, and back (for the simulator). Sans-IO: no port, no clock.

Every function that takes registers from a device answers with an event: a ``ShelfWeight`` or
``ClimateReading`` when the registers make a plausible value, a ``FrameRejected`` with the reason
when they do not. A value that is implausible as read but plausible with its
two words swapped is reported as a word-order fault, so a misconfigured profile is named as
such rather than read as a wild weight.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from firmware_interfaces.events import ClimateReading, FrameRejected, ShelfWeight, rejected
from firmware_interfaces.modbus.errors import RegisterDecodeError
from firmware_interfaces.modbus.profiles import (
    ClimateProfile,
    RegisterField,
    Table,
    ValueType,
    WeightProfile,
    WordOrder,
)

_STRUCT = {
    ValueType.FLOAT32: ">f",
    ValueType.INT32: ">i",
    ValueType.UINT32: ">I",
    ValueType.INT16: ">h",
    ValueType.UINT16: ">H",
}


def _as_bytes(registers: Sequence[int]) -> bytes:
    return b"".join((r & 0xFFFF).to_bytes(2, "big") for r in registers)


def _raw(field: RegisterField, registers: Sequence[int], word_order: WordOrder) -> float:
    words = list(registers)
    if field.count == 2 and word_order is WordOrder.LOW_FIRST:
        words.reverse()
    value: float = struct.unpack(_STRUCT[field.value_type], _as_bytes(words))[0]
    return value * field.scale


def decode_field(field: RegisterField, registers: Sequence[int]) -> float:
    """The engineering value of ``field``; raises :class:`RegisterDecodeError`."""
    regs = tuple(registers)
    if len(regs) != field.count or any(not 0 <= r <= 0xFFFF for r in regs):
        raise RegisterDecodeError(field.name, f"expected {field.count} registers", regs)
    value = _raw(field, regs, field.word_order)
    if not math.isfinite(value):
        raise RegisterDecodeError(field.name, "not a number", regs)
    return value


def encode_field(field: RegisterField, value: float) -> list[int]:
    """The registers a device holding ``value`` in ``field`` presents (used by simulators)."""
    raw: float | int = value / field.scale
    if field.value_type is not ValueType.FLOAT32:
        raw = round(raw)
    data = struct.pack(_STRUCT[field.value_type], raw)
    words = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
    if field.count == 2 and field.word_order is WordOrder.LOW_FIRST:
        words.reverse()
    return words


def read_span(fields: Sequence[RegisterField]) -> tuple[Table, int, int]:
    """One read covering every field: (table, first address, count). Fields share a table."""
    tables = {f.table for f in fields}
    if len(tables) != 1:
        raise ValueError("fields of one read must share a register table")
    first = min(f.address for f in fields)
    last = max(f.address + f.count for f in fields)
    return tables.pop(), first, last - first


def _slice(field: RegisterField, first: int, registers: Sequence[int]) -> list[int]:
    offset = field.address - first
    return list(registers[offset : offset + field.count])


def _swapped(field: RegisterField) -> WordOrder:
    return WordOrder.HIGH_FIRST if field.word_order is WordOrder.LOW_FIRST else WordOrder.LOW_FIRST


def decode_weight(profile: WeightProfile, registers: Sequence[int]) -> ShelfWeight | FrameRejected:
    """A shelf's weight from the registers of ``read_span([profile.weight])``."""
    field = profile.weight
    data = _as_bytes(registers)
    low, high = -profile.negative_tolerance_kg, profile.capacity_kg
    try:
        kilograms = decode_field(field, registers)
    except RegisterDecodeError as exc:
        if exc.reason == "not a number" and _plausible_swapped(field, registers, low, high):
            return rejected("word order looks swapped", data)
        return rejected(exc.reason, data)
    if low <= kilograms <= high and not _denormal(field, kilograms):
        return ShelfWeight(kilograms)
    if _plausible_swapped(field, registers, low, high):
        return rejected("word order looks swapped", data)
    if kilograms < low:
        return rejected("negative weight", data)
    if kilograms > high:
        return rejected("weight above capacity", data)
    return rejected("implausibly small value", data)


def _denormal(field: RegisterField, value: float) -> bool:
    # A float32 whose words are swapped often decodes to a denormal like 2e-41: "zero" to the
    # eye, and a false "out of stock" if believed. No transmitter reports such a value.
    return field.value_type is ValueType.FLOAT32 and value != 0.0 and abs(value) < 1e-9


def _plausible_swapped(
    field: RegisterField, registers: Sequence[int], low: float, high: float
) -> bool:
    if field.count != 2 or len(registers) != 2:
        return False
    other = _raw(field, registers, _swapped(field))
    return math.isfinite(other) and low <= other <= high and not _denormal(field, other)


def decode_climate(
    profile: ClimateProfile, registers: Sequence[int]
) -> ClimateReading | FrameRejected:
    """A climate reading from the registers of ``read_span([temperature, humidity])``."""
    _table, first, _count = read_span([profile.temperature, profile.humidity])
    data = _as_bytes(registers)
    try:
        celsius = decode_field(profile.temperature, _slice(profile.temperature, first, registers))
        humidity = decode_field(profile.humidity, _slice(profile.humidity, first, registers))
    except RegisterDecodeError as exc:
        return rejected(f"{exc.field}: {exc.reason}", data)
    if not profile.min_celsius <= celsius <= profile.max_celsius:
        return rejected("temperature out of sensor range", data)
    if not 0.0 <= humidity <= 100.0:
        return rejected("humidity out of range", data)
    return ClimateReading(celsius=round(celsius, 2), relative_humidity=round(humidity, 2))
