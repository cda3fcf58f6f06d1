"""Helpers for the storeroom tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

LIMIT = 10.0  # generous: CI is a loaded 2-core machine


async def eventually(predicate: Callable[[], bool], limit: float = LIMIT) -> None:
    """Poll ``predicate`` until true; fail after ``limit`` seconds (a bound, not a timing)."""
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110 - polling a plain predicate is the point
            await asyncio.sleep(0.02)


class FakeClock:
    """An injectable clock: tests move time forward instead of sleeping."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
