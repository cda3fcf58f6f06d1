"""Errors the storeroom service raises to its callers (the web layer maps them to HTTP)."""

from __future__ import annotations

from edge.storeroom import messages


class StoreroomError(Exception):
    """Base of every storeroom error."""


class UnknownItemError(StoreroomError):
    def __init__(self, item: str) -> None:
        super().__init__(messages.unknown_item(item))
        self.item = item


class UnknownAlertError(StoreroomError):
    def __init__(self, alert_id: str) -> None:
        super().__init__(messages.unknown_alert(alert_id))
        self.alert_id = alert_id


class UnknownSensorError(StoreroomError):
    def __init__(self, sensor: str) -> None:
        super().__init__(messages.unknown_sensor(sensor))
        self.sensor = sensor


class InvalidInputError(StoreroomError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SensorCommandError(StoreroomError):
    def __init__(self, sensor: str, command: str, reason: str) -> None:
        super().__init__(messages.command_failed(sensor, command, reason))
        self.sensor = sensor
        self.command = command
        self.reason = reason
