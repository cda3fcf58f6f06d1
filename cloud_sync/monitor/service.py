"""The monitor service: MQTT in, batches into the store, silent gateways timed out.

Messages are appended to a pending list as they arrive (cheap, on the event loop); one writer
thread takes everything pending, classifies it and stores it in one transaction. While it
writes, the next batch accumulates, so the batch size follows the load by itself: one message
per transaction when quiet, thousands under a burst.

A message is acknowledged to the broker only after the transaction that stored it (or set it
aside in ``rejected``) has committed, in the order the messages came: until then the broker
holds it in the monitor's persistent session, so a monitor that crashes with messages in hand
gets them again when it comes back. The broker sends at most ``max_pending`` (MQTT 5 Receive
Maximum, at most 65,535) before the first is acknowledged, which is also the back-pressure
while the database is slow or down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cloud_sync.monitor.errors import StorageError
from cloud_sync.monitor.ingest import classify
from cloud_sync.monitor.settings import MonitorSettings
from cloud_sync.monitor.storage.batch import ApplyResult
from cloud_sync.monitor.storage.writer import Writer
from cloud_sync.protocol import CENTRE_TOPIC, centre_state
from firmware_interfaces.transports.backoff import Backoff
from firmware_interfaces.transports.mqtt import MqttClient, MqttError, MqttSettings, TlsSettings

log = logging.getLogger(__name__)

RECEIVE_MAXIMUM = 65_535  # MQTT 5's largest
DROPPING = (
    "%d messages wait for the database: new ones are not taken now (not acknowledged, so the"
    " broker sends them again when this monitor reconnects)"
)

Pending = tuple[str, bytes, float, Any]  # topic, payload, received at, what to acknowledge


class ReceivedMessage(Protocol):
    @property
    def topic(self) -> str: ...
    @property
    def payload(self) -> bytes: ...


class Subscriber(Protocol):
    """What the service needs of an MQTT client (``firmware_interfaces.transports.mqtt``)."""

    connected: asyncio.Event

    async def wait_connected(self, timeout: float | None = None) -> None: ...  # noqa: ASYNC109 (the transport's API)
    async def subscribe(self, topic_filter: str, qos: int = 1) -> None: ...
    async def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> None: ...
    def messages(self) -> AsyncIterator[ReceivedMessage]: ...
    def ack(self, message: Any) -> bool: ...


@dataclass(slots=True)
class IngestStats:
    """Counters of this monitor instance since it started (exported at /metrics)."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    births: int = 0
    deaths: int = 0
    stale_deaths: int = 0
    acks: int = 0
    ignored: int = 0
    seq_gaps: int = 0
    batches: int = 0
    last_batch_size: int = 0
    storage_errors: int = 0
    timed_out: int = 0
    dropped: int = 0  # received while max_pending were already waiting for the database
    acknowledged: int = 0  # acknowledged to the broker once stored
    ack_lost: int = 0  # stored, but their connection was gone: the broker sends them again
    rejected: dict[str, int] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)

    def add(self, result: ApplyResult) -> None:
        self.stored += result.stored
        self.duplicates += result.duplicates
        self.births += result.births
        self.deaths += result.deaths
        self.stale_deaths += result.stale_deaths
        self.acks += result.acks
        self.ignored += result.ignored
        self.seq_gaps += result.gaps
        for item in result.rejected:
            self.rejected[item.category] = self.rejected.get(item.category, 0) + 1

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


class MonitorService:
    """Runs until cancelled: ``await service.run(subscriber)`` inside a TaskGroup."""

    def __init__(
        self,
        settings: MonitorSettings,
        writer: Writer,
        *,
        stats: IngestStats | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.stats = stats or IngestStats()
        self.clock = clock
        self.connected: asyncio.Event | None = None
        self._subscriber: Subscriber | None = None
        self._pending: list[Pending] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        # One thread does every write, so SQLite has one writer and batches stay in order.
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="monitor-db")

    # -- intake -----------------------------------------------------------------------------
    def feed(self, topic: str, payload: bytes, message: Any = None) -> None:
        """Queue one received message for storing (called on the event loop, never blocks).

        ``message`` is what to acknowledge to the broker once it is stored (None: nothing).
        """
        self.stats.received += 1
        if len(self._pending) >= self.settings.max_pending:
            if not self.stats.dropped:
                waiting = len(self._pending)
                log.error(DROPPING, waiting)
            self.stats.dropped += 1
            return
        self._pending.append((topic, payload, self.clock(), message))
        self._idle.clear()
        if not self._wake.is_set():
            self._wake.set()

    async def consume(self, subscriber: Subscriber, *, subscribe: bool = True) -> None:
        """Feed everything ``subscriber`` receives; ``subscribe=False``: its session has the
        subscription already (the benchmark's)."""
        self.connected = subscriber.connected
        self._subscriber = subscriber
        if subscribe:
            await subscriber.subscribe(self.settings.subscription, qos=1)
        feed = self.feed
        async for message in subscriber.messages():
            feed(message.topic, message.payload, message)

    async def drained(self) -> None:
        """Wait until everything fed so far is stored (tests, benchmark, clean shutdown)."""
        await self._idle.wait()

    # -- writing ----------------------------------------------------------------------------
    def _store(self, batch: list[Pending]) -> ApplyResult:
        return self.writer.apply([classify(topic, payload, at) for topic, payload, at, _ in batch])

    def _acknowledge(self, batch: list[Pending]) -> None:
        """Tell the broker the batch is stored (on the loop's thread, after the commit)."""
        subscriber = self._subscriber
        if subscriber is None:
            return
        ack, done, lost = subscriber.ack, 0, 0
        for pending in batch:
            if pending[3] is not None:
                if ack(pending[3]):
                    done += 1
                else:
                    lost += 1
        self.stats.acknowledged += done
        self.stats.ack_lost += lost

    async def write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = Backoff(0.2, 10.0)
        failing = False
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, limit = self._pending, self.settings.batch_max
                if len(batch) > limit:
                    batch, self._pending = batch[:limit], batch[limit:]
                else:
                    self._pending = []
                try:
                    result = await loop.run_in_executor(self._writer, self._store, batch)
                except StorageError as exc:
                    # The database is down: keep the batch, retry with backoff, log once.
                    self.stats.storage_errors += 1
                    if not failing:
                        log.error("cannot store messages, will retry: %s", exc)
                        failing = True
                    self._pending = batch + self._pending
                    await asyncio.sleep(backoff.next_delay())
                    continue
                if failing:
                    log.warning("storing messages again")
                    failing = False
                    backoff.reset()
                self._acknowledge(batch)
                self.stats.add(result)
                self.stats.batches += 1
                self.stats.last_batch_size = len(batch)
            self._idle.set()

    async def sweep_loop(self) -> None:
        loop = asyncio.get_running_loop()
        settings = self.settings
        while True:
            await asyncio.sleep(settings.sweep_interval_s)
            try:
                gone = await loop.run_in_executor(
                    self._writer,
                    self.writer.sweep,
                    self.clock(),
                    settings.default_keepalive_s,
                    settings.offline_factor,
                )
            except StorageError as exc:
                self.stats.storage_errors += 1
                log.debug("sweep failed: %s", exc)
                continue
            for gateway in gone:
                log.info(
                    "gateway %s is silent for %.1f x its keep-alive: offline",
                    gateway,
                    settings.offline_factor,
                )
            self.stats.timed_out += len(gone)

    async def run(self, subscriber: Subscriber) -> None:
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self.write_loop(), name="monitor-write")
                tasks.create_task(self.sweep_loop(), name="monitor-sweep")
                tasks.create_task(self.consume(subscriber), name="monitor-consume")
        finally:
            self._flush_on_exit()

    def _flush_on_exit(self) -> None:
        # Store what is pending before leaving, and acknowledge it while the link is still up
        # (what is not acknowledged, the broker sends again to the next start).
        pending, self._pending = self._pending, []
        try:
            if pending:
                self.stats.add(self._writer.submit(self._store, pending).result(timeout=30))
                self._acknowledge(pending)
        except (StorageError, concurrent.futures.TimeoutError) as exc:
            log.error("%d received messages not stored at shutdown: %s", len(pending), exc)
        finally:
            self._writer.shutdown(wait=True)

    def close(self) -> None:
        self._writer.shutdown(wait=True)


def client_id(settings: MonitorSettings) -> str:
    return settings.client_id or f"central-monitor-{uuid.uuid4().hex[:10]}"


def mqtt_settings(settings: MonitorSettings, *, manual_ack: bool = True) -> MqttSettings:
    """How the monitor connects; ``manual_ack``: acknowledge what it receives once stored."""
    tls = None
    if settings.tls_ca_file is not None:
        tls = TlsSettings(
            ca_file=settings.tls_ca_file,
            cert_file=settings.tls_cert_file,
            key_file=settings.tls_key_file,
            insecure_hostname=settings.tls_insecure_hostname,
        )
    return MqttSettings(
        host=settings.broker_host,
        port=settings.broker_port,
        client_id=client_id(settings),
        username=settings.username,
        password=settings.password(),
        tls=tls,
        keepalive=settings.mqtt_keepalive_s,
        protocol=5,  # shared subscriptions ($share/...) are MQTT 5
        clean_start=settings.session_expiry_s == 0,
        session_expiry_s=settings.session_expiry_s,
        manual_ack=manual_ack,
        receive_maximum=min(settings.max_pending, RECEIVE_MAXIMUM) if manual_ack else None,
    )


@contextlib.asynccontextmanager
async def mqtt_subscriber(
    settings: MonitorSettings, *, manual_ack: bool = True
) -> AsyncIterator[MqttClient]:
    """The project's MQTT client, configured from the monitor's settings."""
    async with MqttClient(mqtt_settings(settings, manual_ack=manual_ack)) as client:
        yield client


async def announce_centre(client: MqttClient, subscription: str) -> None:
    """Once subscribed, say so, retained on :data:`CENTRE_TOPIC`: every gateway that sees a new
    announcement sends its birth again, so a monitor whose session is new (a first start, a new
    client id, a broker that lost its sessions) sees the connected gateways at once, not at
    their next heartbeat. Said again after each reconnect."""
    payload = centre_state(time.time())

    async def announce() -> None:
        await client.publish(CENTRE_TOPIC, payload, qos=1, retain=True)

    try:
        await client.wait_connected()
        await client.subscribe(subscription, qos=1)  # back with the SUBACK: a birth now is heard
        await announce()
    except MqttError as exc:  # a broker that does not let this login write there
        log.warning("could not announce on %s (%s): gateways are seen at their next"
                    " heartbeat", CENTRE_TOPIC, exc.reason)  # fmt: skip
    client.on_connect(announce)  # a reconnect sends the subscription first, then this
