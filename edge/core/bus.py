"""An in-process publish/subscribe bus for :mod:`edge.core.events`, on one event loop.

Publishing never blocks and never fails: a subscriber that falls behind loses its oldest
events (and the loss is counted on its subscription), because a stuck browser tab must not slow
a lane. Parts that must see every record read the store instead (see :mod:`edge.core.events`).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator

from edge.core.events import GatewayEvent


class Subscription:
    def __init__(self, bus: Bus, maxsize: int, kinds: tuple[type, ...] | None = None) -> None:
        self._bus = bus
        self.kinds = kinds  # None: every event
        self._items: collections.deque[GatewayEvent] = collections.deque(maxlen=maxsize)
        self._ready = asyncio.Event()
        self.dropped = 0

    def _put(self, event: GatewayEvent) -> None:
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(event)
        self._ready.set()

    async def get(self) -> GatewayEvent:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def get_nowait(self) -> GatewayEvent | None:
        return self._items.popleft() if self._items else None

    def close(self) -> None:
        self._bus._subscriptions.discard(self)

    async def __aiter__(self) -> AsyncIterator[GatewayEvent]:
        try:
            while True:
                yield await self.get()
        finally:
            self.close()


class Bus:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, maxsize: int = 1000, kinds: tuple[type, ...] | None = None) -> Subscription:
        """A new subscription; with ``kinds``, only events of those classes reach it (so a
        burst of others neither fills its queue nor delays what it waits for)."""
        sub = Subscription(self, maxsize, kinds)
        self._subscriptions.add(sub)
        return sub

    def publish(self, event: GatewayEvent) -> None:
        for sub in list(self._subscriptions):
            if sub.kinds is None or isinstance(event, sub.kinds):
                sub._put(event)
