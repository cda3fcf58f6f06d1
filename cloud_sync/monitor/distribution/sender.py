"""What is recorded -> the broker: the monitor keeps every stream's latest version there.

A stream whose recorded version is newer than the one sent is published (snapshot parts, then
the head: see :func:`cloud_sync.distribution.publishing.messages`), then marked sent. On every
(re)connect to the broker, every stream is published again: a broker that lost its retained
messages (a restart without persistence, a new broker) is filled again, and a gateway that
already holds a version takes the repeat as a repeat. Publications recorded by another process
(the ``publish`` command) are found by looking at the database every ``interval_s``; the
dashboard, in this process, wakes the sender at once.

With several monitors on one database, let one of them send (``run --no-send`` for the rest):
two senders could each put a different version on the broker last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from cloud_sync.distribution.publishing import messages
from cloud_sync.monitor.distribution.store import DistributionStore, Outbound
from cloud_sync.monitor.errors import StorageError

log = logging.getLogger(__name__)


class Publishing(Protocol):
    connected: asyncio.Event

    async def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> None: ...

    def on_connect(self, callback: Callable[[], Awaitable[None]]) -> None: ...


class Sender:
    def __init__(
        self, store: DistributionStore, client: Publishing, *, interval_s: float = 0.25
    ) -> None:
        self.store = store
        self.client = client
        self.interval_s = interval_s
        self._wake = asyncio.Event()
        self._everything = True  # the first pass after start puts every stream on the broker
        self.sent = 0
        self.failures = 0

    def wake(self) -> None:
        """Something was recorded: look now."""
        self._wake.set()

    async def reconnected(self) -> None:
        """For the MQTT client's on-connect hook: publish every stream again."""
        self._everything = True
        self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await self._wake.wait()
            self._wake.clear()
            if not self.client.connected.is_set():
                continue
            everything = self._everything
            try:
                found = await loop.run_in_executor(
                    None, self.store.everything if everything else self.store.unsent
                )
            except StorageError as exc:
                log.warning("cannot read what to distribute: %s", exc)
                continue
            if everything:
                self._everything = False
            for out in found:
                try:
                    await self._send(out)
                    await loop.run_in_executor(None, self.store.mark_sent, out)
                except StorageError as exc:
                    log.warning("sent %s for %s, not marked: %s", out.kind, out.scope, exc)
                except Exception as exc:  # the link dropped: the next pass sends it again
                    self.failures += 1
                    log.warning("cannot send %s for %s now: %s", out.kind, out.scope, exc)
                    if everything:
                        self._everything = True
                    break

    async def _send(self, out: Outbound) -> None:
        for message in messages(
            out.kind,
            out.scope,
            out.version,
            out.head,
            out.snapshot,
            previous_parts=out.sent_parts,
        ):
            await self.client.publish(message.topic, message.payload, qos=1, retain=message.retain)
        self.sent += 1
        log.info("on the broker: %s for %s, version %d", out.kind, out.scope, out.version)


def attach(storage: Any, client: Publishing) -> Sender:
    """A sender over ``storage`` (the monitor's) that publishes with ``client`` and puts every
    stream on the broker again after each reconnect."""
    sender = Sender(DistributionStore(storage.backend), client)
    client.on_connect(sender.reconnected)
    return sender
