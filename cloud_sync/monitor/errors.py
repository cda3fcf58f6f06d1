"""Errors of the central monitor."""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error the monitor raises."""


class DatabaseUrlError(MonitorError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"bad --db {url!r}: {reason}")
        self.url = url
        self.reason = reason


class StorageError(MonitorError):
    """The database refused or failed an operation; ``operation`` names it."""

    def __init__(self, operation: str, cause: BaseException) -> None:
        super().__init__(f"{operation} failed: {cause}")
        self.operation = operation
        self.cause = cause


class RegistryError(MonitorError):
    """A registry entry that cannot be made; ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PolicyPushError(MonitorError):
    """A policy could not be pushed; ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConfigError(MonitorError):
    """A setting that cannot be used; ``key`` names it."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason
