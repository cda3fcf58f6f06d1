"""Readings and codes for simulators: random ones, or a script read from a file."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from pathlib import Path

from firmware_interfaces.events import TemperatureReading


class ScriptError(Exception):
    """A script line the simulator cannot use; names the file and the line."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


def random_readings(
    rng: random.Random, fever_rate: float = 0.05, ambient: float | None = 22.0
) -> Iterator[TemperatureReading]:
    """Endless body temperatures: mostly 36.0-37.2 °C, a ``fever_rate`` share 37.5-39.5 °C."""
    while True:
        fever = rng.random() < fever_rate
        celsius = rng.uniform(37.5, 39.5) if fever else rng.gauss(36.6, 0.3)
        room = None if ambient is None else round(ambient + rng.uniform(-0.5, 0.5), 2)
        yield TemperatureReading(round(celsius, 1), room)


def scripted_readings(path: Path) -> list[TemperatureReading]:
    """One reading a line, ``36.7`` or ``36.7 22.1`` (object, ambient); ``#`` starts a comment."""
    readings: list[TemperatureReading] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) > 2:
            raise ScriptError(path, number, "expected a temperature and an optional ambient")
        try:
            values = [float(field) for field in fields]
        except ValueError:
            raise ScriptError(path, number, f"not a number: {line.strip()!r}") from None
        readings.append(TemperatureReading(values[0], values[1] if len(values) > 1 else None))
    if not readings:
        raise ScriptError(path, 0, "no readings in the script")
    return readings


def random_codes(rng: random.Random) -> Iterator[str]:
    """Endless health-code-like texts (a fixed prefix and a random token)."""
    alphabet = string.ascii_uppercase + string.digits
    while True:
        token = "".join(rng.choice(alphabet) for _ in range(24))
        yield f"HC:{token}"


def scripted_codes(path: Path) -> list[str]:
    """One code a line; blank lines are skipped (codes themselves may contain ``#``)."""
    codes = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not codes:
        raise ScriptError(path, 0, "no codes in the file")
    return codes
