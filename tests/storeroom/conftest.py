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
