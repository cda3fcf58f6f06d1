"""Camera test helpers: QR images made with segno, an event recorder, a running device."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable

import cv2
import numpy as np
import segno

from firmware_interfaces.camera.capture import CameraDevice
from firmware_interfaces.events import CodeScanned, DeviceEvent, DeviceState, DeviceStateChanged

WAIT = 10.0  # generous: CI is a loaded 2-core machine
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def hc1_like(seed: int, length: int = 560) -> str:
    """A text shaped like an EU DCC (HC1: and base45), as dense as the real codes."""
    rng = random.Random(seed)
    return "HC1:" + "".join(rng.choice(BASE45) for _ in range(length))


def qr_grey(text: str, scale: int, border: int = 4) -> np.ndarray:
    matrix = np.array(list(segno.make_qr(text).matrix_iter(scale=1, border=border)), np.uint8)
    clean = np.where(matrix > 0, 0, 255).astype(np.uint8)
    return cv2.resize(clean, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


def in_frame(code: np.ndarray, size: tuple[int, int] = (640, 480), fill: int = 110) -> np.ndarray:
    """``code`` (grey) in the middle of a grey BGR frame of ``size`` (width, height)."""
    width, height = size
    frame = np.full((height, width), fill, np.uint8)
    h, w = code.shape
    top, left = (height - h) // 2, (width - w) // 2
    frame[top : top + h, left : left + w] = code
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderValue=(110, 110, 110))


class Recorder:
    """Collects what a transport emits; waits (polling, never asserting on time) for events."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: DeviceEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def codes(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, CodeScanned)]

    def states(self) -> list[DeviceState]:
        return [e.state for e in self.events if isinstance(e, DeviceStateChanged)]

    async def wait_for(self, done: Callable[[], bool], within: float = WAIT) -> None:
        async with asyncio.timeout(within):
            while not done():
                self._changed.clear()
                await self._changed.wait()


@contextlib.asynccontextmanager
async def running(device: CameraDevice, recorder: Recorder) -> AsyncIterator[None]:
    task = asyncio.create_task(device.run(recorder), name="camera under test")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
