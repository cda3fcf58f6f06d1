"""Errors of the uplink package."""

from __future__ import annotations


class UplinkError(Exception):
    """Base of every error the uplink raises."""


class UplinkConfigError(UplinkError):
    """A setting that cannot work; ``key`` names it and ``reason`` says why."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"uplink.{key}: {reason}")
        self.key = key
        self.reason = reason
