"""Shared helpers for the MQTT and uplink tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(predicate: Callable[[], bool], within: float = 20.0) -> None:
    """Poll ``predicate`` until true; generous, for a loaded 2-core CI machine."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)
