"""Errors of the camera package: bad settings, and a simulator that cannot write its video.

A camera that fails at run time is not an error anyone catches: the transport reports it as a
``DeviceStateChanged(UNPLUGGED)`` event and keeps retrying.
"""

from __future__ import annotations


class CameraError(Exception):
    """Base of every error the camera package raises."""


class CameraSettingsError(CameraError):
    def __init__(self, source: str, setting: str, reason: str) -> None:
        super().__init__(f"camera {source}: {setting}: {reason}")
        self.source = source
        self.setting = setting
        self.reason = reason


class VideoWriteError(CameraError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write video {path}: {reason}")
        self.path = path
        self.reason = reason
