"""Errors of the Modbus package: one family, with fields."""

from __future__ import annotations


class ModbusError(Exception):
    """Base of every error this package raises."""


class RegisterDecodeError(ModbusError):
    """Registers that do not make a value (wrong count, NaN, implausible)."""

    def __init__(self, field: str, reason: str, registers: tuple[int, ...]) -> None:
        super().__init__(f"{field}: {reason} (registers {[hex(r) for r in registers]})")
        self.field = field
        self.reason = reason
        self.registers = registers


class DeviceCommandError(ModbusError):
    """A command (tare, zero) the device cannot do or did not accept."""

    def __init__(self, device: str, command: str, reason: str) -> None:
        super().__init__(f"{device}: {command}: {reason}")
        self.device = device
        self.command = command
        self.reason = reason
