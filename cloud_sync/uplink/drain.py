"""The outbox drain: pipelined QoS 1 publishes, rows deleted in batches after PUBACK."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
from dataclasses import dataclass

from cloud_sync.uplink import outbox
from edge.core.store import Store
from firmware_interfaces.transports.backoff import Backoff
from firmware_interfaces.transports.mqtt import MqttClient, MqttError

log = logging.getLogger(__name__)

_FETCH = 2000
_ACK_BATCH = 2000


@dataclass
class DrainStats:
    sent: int = 0
    failed: int = 0
    refused: int = 0  # PUBACK with an error reason (MQTT 5): kept, retried after a pause


class Drainer:
    def __init__(self, store: Store, client: MqttClient) -> None:
        self.store = store
        self.client = client
        self.stats = DrainStats()
        self._cursor: tuple[int, int] = (-1, 0)
        self._inflight: dict[int, int] = {}  # id -> rev in flight
        self._acked: list[tuple[int, int]] = []
        self._acked_ids: set[int] = set()
        self._buffer: collections.deque[outbox.Row] = collections.deque()
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._ack_ready = asyncio.Event()
        self._refused_pause = Backoff(1.0, 60.0)
        self._paused_until = 0.0

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def notify(self, priority: int) -> None:
        """New rows of ``priority`` were committed: look again from that priority on."""
        if priority < self._cursor[0]:
            self._cursor = (priority, 0)
            self._buffer.clear()
        self._wake.set()

    def rewind(self) -> None:
        self._cursor = (-1, 0)
        self._buffer.clear()
        self._wake.set()

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._delete_loop(), name="uplink-drain-delete")
            tasks.create_task(self._send_loop(), name="uplink-drain-send")

    async def _send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        buffer = self._buffer
        while True:
            if not self.client.connected.is_set():
                self.rewind()
                await self.client.connected.wait()
            pause = self._paused_until - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
                self.rewind()
            # Publish from rows read ahead: a freed slot is refilled without touching SQLite.
            room = self.client.window - len(self._inflight)
            while room > 0 and buffer and self.client.connected.is_set():
                row = buffer.popleft()
                if row.id in self._inflight or row.id in self._acked_ids:
                    continue
                future = self.client.start_publish(row.topic, row.payload, qos=1)
                self._inflight[row.id] = row.rev
                future.add_done_callback(functools.partial(self._done, row_id=row.id, rev=row.rev))
                room -= 1
            if len(buffer) < _FETCH // 2:
                self._wake.clear()
                rows = await self.store.read(
                    functools.partial(outbox.fetch, after=self._cursor, limit=_FETCH)
                )
                if rows:
                    self._cursor = (rows[-1].priority, rows[-1].id)
                    buffer.extend(rows)
                    continue
                if not buffer:  # all sent: wait for new rows (or a second)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(1.0):
                            await self._wake.wait()
                    if not self._inflight:
                        self.rewind()  # start over: skipped rows (replaced, refused) get a look
                    continue
            if room <= 0 or not buffer:
                self._space.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._space.wait()

    def _done(self, future: asyncio.Future[None], row_id: int, rev: int) -> None:
        self._inflight.pop(row_id, None)
        self._space.set()
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            self.stats.sent += 1
            self._acked.append((row_id, rev))
            self._acked_ids.add(row_id)
            self._ack_ready.set()
            return
        self.stats.failed += 1
        if isinstance(error, MqttError) and self.client.connected.is_set():
            # The broker is up but said no (not authorised, quota...): keep the row, pause.
            self.stats.refused += 1
            delay = self._refused_pause.next_delay()
            log.warning("broker refused an uplink message (%s); retry in %.0f s", error, delay)
            self._paused_until = asyncio.get_running_loop().time() + delay
        self.rewind()

    async def _delete_loop(self) -> None:
        while True:
            await self._ack_ready.wait()
            self._ack_ready.clear()
            while self._acked:
                batch, self._acked = self._acked[:_ACK_BATCH], self._acked[_ACK_BATCH:]
                delete = functools.partial(outbox.delete_acked, acked=batch)
                deleted = await self.store.write(delete)
                for row_id, _rev in batch:
                    self._acked_ids.discard(row_id)
                if deleted < len(batch):
                    self.rewind()  # a row replaced while in flight: send its newer revision
                else:
                    self._refused_pause.reset()
