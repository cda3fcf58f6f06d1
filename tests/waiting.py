"""Waiting for a bus event in tests, with a generous limit (CI machines are busy)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from edge.core.bus import Subscription
from edge.core.events import GatewayEvent


async def until(
    sub: Subscription, predicate: Callable[[GatewayEvent], bool], limit: float = 15.0
) -> GatewayEvent:
    """The next event on ``sub`` for which ``predicate`` holds; TimeoutError after ``limit`` s."""
    async with asyncio.timeout(limit):
        while True:
            event = await sub.get()
            if predicate(event):
                return event


async def next_of(sub: Subscription, kind: type, limit: float = 15.0) -> GatewayEvent:
    """The next event of class ``kind``."""
    return await until(sub, lambda e: isinstance(e, kind), limit)
