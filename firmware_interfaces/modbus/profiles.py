"""Device profiles as data: where a value lives, how it is encoded, what commands exist.

A weight transmitter or climate sensor is described once here (or in the gateway's config)
rather than by a subclass per model. Addresses are the protocol addresses pymodbus sends
(0-based), not the 4xxxx/3xxxx numbers of some manuals.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Table(enum.StrEnum):
    HOLDING = "holding"  # function 3
    INPUT = "input"  # function 4


class ValueType(enum.StrEnum):
    FLOAT32 = "float32"
    INT32 = "int32"
    UINT32 = "uint32"
    INT16 = "int16"
    UINT16 = "uint16"


class WordOrder(enum.StrEnum):
    """Order of the two words of a 32-bit value; bytes inside a word are always big-endian."""

    HIGH_FIRST = "high-first"  # "ABCD", the Modbus convention
    LOW_FIRST = "low-first"  # "CDAB", common on cheap transmitters


@dataclass(frozen=True, slots=True)
class RegisterField:
    """One value on a device: engineering value = raw value × ``scale``."""

    name: str
    table: Table
    address: int
    value_type: ValueType
    word_order: WordOrder = WordOrder.HIGH_FIRST
    scale: float = 1.0

    @property
    def count(self) -> int:
        return 1 if self.value_type in (ValueType.INT16, ValueType.UINT16) else 2


@dataclass(frozen=True, slots=True)
class Command:
    """A write of ``value`` to holding register ``address`` (tare, zero)."""

    address: int
    value: int


@dataclass(frozen=True, slots=True)
class WeightProfile:
    """A load-cell transmitter whose ``weight`` field reads in kilograms after scaling.

    ``capacity_kg`` and ``negative_tolerance_kg`` bound what a working cell can report: a value
    outside them is a fault (or a wrong word order), never a weight.
    """

    key: str
    weight: RegisterField
    capacity_kg: float = 200.0
    negative_tolerance_kg: float = 0.05
    tare: Command | None = None
    zero: Command | None = None


@dataclass(frozen=True, slots=True)
class ClimateProfile:
    key: str
    temperature: RegisterField  # °C
    humidity: RegisterField  # % RH
    min_celsius: float = -40.0
    max_celsius: float = 125.0


WEIGHT_FLOAT32 = WeightProfile(
    key="float32",
    weight=RegisterField("weight", Table.HOLDING, 0, ValueType.FLOAT32),
    tare=Command(address=16, value=1),
    zero=Command(address=17, value=1),
)

#: Gross weight as a signed 32-bit count of grams, low word first.
WEIGHT_INT32_GRAMS_CDAB = WeightProfile(
    key="int32-grams-cdab",
    weight=RegisterField(
        "weight", Table.HOLDING, 0, ValueType.INT32, WordOrder.LOW_FIRST, scale=0.001
    ),
    tare=Command(address=16, value=1),
)

#: XY-MD02 (SHT20 based): input registers 1 and 2, signed tenths of °C and % RH.
XY_MD02 = ClimateProfile(
    key="xy-md02",
    temperature=RegisterField("temperature", Table.INPUT, 1, ValueType.INT16, scale=0.1),
    humidity=RegisterField("humidity", Table.INPUT, 2, ValueType.INT16, scale=0.1),
)

WEIGHT_PROFILES: dict[str, WeightProfile] = {
    p.key: p for p in (WEIGHT_FLOAT32, WEIGHT_INT32_GRAMS_CDAB)
}
CLIMATE_PROFILES: dict[str, ClimateProfile] = {XY_MD02.key: XY_MD02}
