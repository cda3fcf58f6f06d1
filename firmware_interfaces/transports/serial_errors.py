"""Errors of the serial transport: bad settings, and writes to a device that is not there.

A port that fails at run time is not an error anyone catches: the transport reports it as a
``DeviceStateChanged(UNPLUGGED)`` event and keeps retrying.
"""

from __future__ import annotations


class SerialTransportError(Exception):
    """Base of every error the serial transport raises."""


class SerialSettingsError(SerialTransportError):
    def __init__(self, port: str, setting: str, reason: str) -> None:
        super().__init__(f"serial device {port}: {setting}: {reason}")
        self.port = port
        self.setting = setting
        self.reason = reason


class PortNotFoundError(SerialTransportError):
    """A ``usb:VID:PID[:SERIAL]`` port that matches no attached device."""

    def __init__(self, port: str) -> None:
        super().__init__(f"no attached USB serial device matches {port}")
        self.port = port


class NotConnectedError(SerialTransportError):
    def __init__(self, port: str, reason: str) -> None:
        super().__init__(f"serial device {port} is not connected: {reason}")
        self.port = port
        self.reason = reason
