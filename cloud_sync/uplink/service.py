"""The uplink service: store-and-forward of aggregates, stock, alerts and health to the centre.

Tasks (one ``asyncio.TaskGroup``): ``events`` (bus -> outbox), ``tick`` (windows from the store,
clock check, heartbeat, evicted windows back in), ``drain`` (outbox -> broker), ``commands``
(signed policy from the centre, and the distributed items of :mod:`.distribution`). Birth goes
out on every connect; death is the MQTT will, with a ``bdseq`` incremented and committed before
each connection attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
import inspect
import logging
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from cloud_sync.distribution.apply import Applier
from cloud_sync.distribution.frames import DIST_ROOT
from cloud_sync.distribution.keys import CentreKeyError, CentreKeys
from cloud_sync.distribution.kinds import Kind
from cloud_sync.policy_signing import PolicySignatureError, load_public_key, verify_policy
from cloud_sync.protocol import (
    CENTRE_TOPIC,
    MAX_CENTRE_STATE_BYTES,
    Envelope,
    ProtocolError,
    Stream,
    ack_topic,
    birth_topic,
    command_topic,
    death_topic,
    parse_topic,
)
from cloud_sync.uplink import outbox, windows
from cloud_sync.uplink.clock import clock_synced
from cloud_sync.uplink.distribution import Receiver
from cloud_sync.uplink.drain import Drainer
from cloud_sync.uplink.errors import UplinkConfigError
from cloud_sync.uplink.feeds import Feed, Pace, pull, stock_band
from cloud_sync.uplink.outbox import ACK_STREAM, PRIORITY, Outgoing, iso
from cloud_sync.uplink.privacy import PersonHasher, load_or_create_key
from cloud_sync.uplink.settings import UplinkSettings
from edge.core.bus import Bus
from edge.core.events import (
    AlertChanged,
    DailyFigures,
    DecisionOverridden,
    DeviceStatus,
    LaneStaffing,
    ScreeningRecorded,
    StockChanged,
)
from edge.core.store import Store
from firmware_interfaces.transports.mqtt import MqttClient, MqttError, MqttSettings, Will

log = logging.getLogger(__name__)

ApplyPolicy = Callable[[dict[str, Any]], Any]  # returns None (or an awaitable of None)
_TICK_S = 1.0


@dataclass
class PolicyStats:
    applied: int = 0
    refused: int = 0
    last_refusal: str | None = None


@dataclass
class UplinkStatus:
    gateway: str
    connected: bool
    outbox_depth: int
    outbox_held: int
    outbox_oldest_age_s: float | None
    in_flight: int
    sent_total: int
    evicted_total: int
    bdseq: int
    clock_synced: bool
    last_error: str | None
    policy: dict[str, Any] = field(default_factory=dict)
    distribution: list[dict[str, Any]] = field(default_factory=list)
    #: what the centre's distributed items came to: applied, refused, duplicates, fetches,
    #: not_stored (counted since start)
    distribution_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _stock_band(e: StockChanged) -> int:
    """0: out, 1: at or below the reorder point, 2: above it."""
    if e.on_hand <= 0:
        return 0
    return 1 if e.reorder_point is not None and e.on_hand <= e.reorder_point else 2


class UplinkService:
    def __init__(
        self,
        settings: UplinkSettings,
        store: Store,
        bus: Bus,
        *,
        apply_policy: ApplyPolicy | None = None,
        appliers: Mapping[Kind, Applier] | None = None,
        feeds: Sequence[Feed] = (),
        clock: Callable[[], float] = time.time,
        mqtt_settings: MqttSettings | None = None,  # tests: a broker without TLS
    ) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.apply_policy = apply_policy
        self.appliers = dict(appliers or {})
        self.feeds = list(feeds)
        #: streams a part's table feeds: their bus events only prompt a tick (issue 12.8)
        self._fed = {stream for feed in self.feeds for stream in feed.streams}
        self.receiver: Receiver | None = None
        self.clock = clock
        self._mqtt_settings = mqtt_settings
        self.client: MqttClient | None = None
        self.drainer: Drainer | None = None
        self.policy_stats = PolicyStats()
        self.synced = False
        self.bdseq = 0
        self._centre_seen: bytes | None = None  # the centre's last announcement (CENTRE_TOPIC)
        self._started = time.monotonic()
        self._hasher: PersonHasher | None = None
        # The centre's keys, read now: a key file that cannot be read is a configuration error
        # that check-config and start-up report, not a failure of the running uplink.
        self._public_key: Any = self._legacy_policy_key()
        self._centre_keys = self._distribution_keys() if settings.distribution else None
        self._tick_now = asyncio.Event()
        self._stock: dict[str, StockChanged] = {}
        self._stock_sent: dict[str, float] = {}
        self._stock_last: dict[str, StockChanged] = {}

    # -- life cycle ---------------------------------------------------------------------------
    async def run(self) -> None:
        s = self.settings
        self._hasher = PersonHasher(load_or_create_key(s.hmac_key_file))
        self.synced = await clock_synced(s.clock_check, self.clock())
        subscription = self.bus.subscribe(maxsize=10_000)
        try:
            client = MqttClient(self._mqtt_settings or s.mqtt())
        except (OSError, ssl.SSLError) as exc:  # unreadable CA, certificate or key
            raise UplinkConfigError("tls_ca_file/tls_cert_file/tls_key_file", str(exc)) from None
        client.before_connect(self._before_connect)
        client.on_connect(self._on_connect)
        self.client = client
        self.drainer = Drainer(self.store, client)
        keys = self._centre_keys  # None: distribution is off
        receiver = self.receiver = self._receiver(client, keys) if keys is not None else None
        if receiver is not None:
            await receiver.load()  # what was in force before the restart, before any news
        try:
            async with client:
                await client.subscribe(command_topic(s.gateway_id, "#"), qos=1)
                try:
                    await client.subscribe(CENTRE_TOPIC, qos=1)
                except MqttError as exc:  # a broker's ACL without it: births as before
                    log.warning("not told when the centre comes up (%s): %s", CENTRE_TOPIC, exc)
                for topic_filter in receiver.filters() if receiver is not None else []:
                    await client.subscribe(topic_filter, qos=1)
                try:
                    async with asyncio.TaskGroup() as tasks:
                        tasks.create_task(self._events(subscription), name="uplink-events")
                        tasks.create_task(self._ticks(), name="uplink-tick")
                        tasks.create_task(self.drainer.run(), name="uplink-drain")
                        tasks.create_task(self._commands(client), name="uplink-commands")
                finally:
                    await self._say_goodbye(client)
        finally:
            subscription.close()

    def _legacy_policy_key(self) -> Any:
        path = self.settings.centre_public_key_file
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UplinkConfigError("centre_public_key_file", f"{path}: {exc.strerror}") from None
        try:
            return load_public_key(data)
        except (ValueError, PolicySignatureError):
            raise UplinkConfigError(
                "centre_public_key_file", f"{path}: not a PEM public key (Ed25519 or P-256)"
            ) from None

    def _distribution_keys(self) -> CentreKeys:
        try:
            return CentreKeys.from_paths(self.settings.centre_key_paths())
        except CentreKeyError as exc:
            raise UplinkConfigError("centre_keys", str(exc)) from None

    def _receiver(self, client: MqttClient, keys: CentreKeys) -> Receiver:
        s = self.settings

        def write_outgoing(db: sqlite_utils.Database, items: list[Outgoing]) -> None:
            outbox.enqueue(db, s.gateway_id, items, self.clock(), s.outbox_max_rows)

        def sent() -> None:
            if self.drainer is not None:
                self.drainer.notify(PRIORITY[Stream.DISTRIBUTION.value])

        return Receiver(
            gateway=s.gateway_id,
            community=s.community,
            keys=keys,
            appliers=self.appliers,
            store=self.store,
            write_outgoing=write_outgoing,
            subscribe=client.subscribe,
            unsubscribe=client.unsubscribe,
            clock=self.clock,
            synced=lambda: self.synced,
            sent=sent,
        )

    async def _before_connect(self) -> None:
        self.bdseq = await self.store.write(lambda db: outbox.add_state(db, "bdseq", 1))
        assert self.client is not None
        self.client.set_will(Will(death_topic(self.settings.gateway_id), self._death(), qos=1))

    def _lifecycle(self, kind: str, body: dict[str, Any]) -> bytes:
        return Envelope(
            gateway=self.settings.gateway_id,
            stream=kind,
            key="gateway",
            rev=self.bdseq,
            seq=self.bdseq,
            at=iso(self.clock()),
            clock_synced=self.synced,
            body=body,
        ).encode()

    def _death(self) -> bytes:
        return self._lifecycle("death", {"bdseq": self.bdseq})

    async def _on_connect(self) -> None:
        assert self.client is not None
        body: dict[str, Any] = {
            "bdseq": self.bdseq,
            "keepalive_s": self.settings.keepalive_s,
            # The centre times a silent gateway out after 1.5 x the longer of these two; the
            # broker's will covers a lost link within 1.5 x keepalive_s.
            "heartbeat_s": self.settings.heartbeat_s,
            "software": self.settings.software,
        }
        if self.settings.community:
            body["community"] = self.settings.community
        birth = self._lifecycle("birth", body)
        await self.client.publish(birth_topic(self.settings.gateway_id), birth)

    async def _say_goodbye(self, client: MqttClient) -> None:
        if client.connected.is_set():
            with contextlib.suppress(MqttError, TimeoutError):
                async with asyncio.timeout(2.0):
                    await client.publish(death_topic(self.settings.gateway_id), self._death())

    # -- enqueueing -----------------------------------------------------------------------------
    async def enqueue(self, items: list[Outgoing]) -> None:
        if not items:
            return
        s = self.settings
        await self.store.write(
            functools.partial(
                outbox.enqueue,
                gateway=s.gateway_id,
                items=items,
                now=self.clock(),
                max_rows=s.outbox_max_rows,
            )
        )
        if self.drainer is not None:
            self.drainer.notify(min(PRIORITY.get(i.stream, 3) for i in items))

    async def _events(self, subscription: Any) -> None:
        s = self.settings
        while True:
            event = await subscription.get()
            if isinstance(event, ScreeningRecorded):
                self._tick_now.set()
            elif isinstance(event, DecisionOverridden):
                doubt = not self.synced
                await self.store.write(
                    functools.partial(
                        windows.mark_screening,
                        screening_id=event.screening_id,
                        window_s=s.window_s,
                        doubt=doubt,
                    )
                )
                self._tick_now.set()
            elif isinstance(event, AlertChanged):
                if Stream.ALERT.value in self._fed:
                    self._tick_now.set()
                else:
                    await self.enqueue([self._alert(event)])
            elif isinstance(event, DeviceStatus):
                if Stream.DEVICE_HEALTH.value in self._fed:
                    self._tick_now.set()
                else:
                    await self.enqueue([self._device(event)])
            elif isinstance(event, StockChanged):
                if Stream.STOCK.value not in self._fed:
                    self._stock[event.item] = event
                self._tick_now.set()
            elif isinstance(event, LaneStaffing):
                await self.enqueue([self._staffing(event)])
            elif isinstance(event, DailyFigures):
                await self.enqueue([self._daily(event)])

    def _staffing(self, e: LaneStaffing) -> Outgoing:
        body = {
            "lane": e.lane,
            "direction": e.direction,
            "staffed": e.staffed,
            "active": e.active,
            "staff": e.staff,
            "changed_at": iso(e.at),
        }
        return Outgoing(Stream.LANE_DUTY.value, e.lane, body, self.synced)

    def _daily(self, e: DailyFigures) -> Outgoing:
        # Counts only (edge.community.report.figures); the centre checks them by schema.
        return Outgoing(Stream.DAILY_REPORT.value, e.day, dict(e.figures), self.synced)

    def _alert(self, e: AlertChanged) -> Outgoing:
        body = {
            "alert_id": e.alert_id,
            "kind": e.kind,
            "subject": e.subject,
            "severity": e.severity,
            "state": e.state,
            "message": e.message,
            "changed_at": iso(e.at),
        }
        return Outgoing(Stream.ALERT.value, e.alert_id, body, self.synced)

    def _device(self, e: DeviceStatus) -> Outgoing:
        body = {
            "device": e.device,
            "kind": e.kind,
            "state": e.state,
            "reason": e.reason,
            "changed_at": iso(e.at),
        }
        return Outgoing(Stream.DEVICE_HEALTH.value, e.device, body, self.synced)

    def _stock_due(self, now: float) -> list[Outgoing]:
        """Latest stock per item, at most every ``stock_min_interval_s`` unless it matters now.

        A shelf reports every few seconds; the centre needs the level, not the noise. An item
        that crosses its reorder point or runs out is sent at once.
        """
        out = []
        for item, e in list(self._stock.items()):
            last = self._stock_last.get(item)
            urgent = last is None or _stock_band(e) != _stock_band(last)
            if not urgent and now - self._stock_sent.get(item, -1e18) < (
                self.settings.stock_min_interval_s
            ):
                continue
            del self._stock[item]
            self._stock_sent[item] = now
            self._stock_last[item] = e
            body = {
                "item": e.item,
                "on_hand": e.on_hand,
                "unit": e.unit,
                "days_of_supply": e.days_of_supply,
                "reorder_point": e.reorder_point,
                "measured_at": iso(e.at),
            }
            out.append(Outgoing(Stream.STOCK.value, item, body, self.synced))
        return out

    # -- the periodic part ----------------------------------------------------------------------
    async def _ticks(self) -> None:
        s = self.settings
        loop = asyncio.get_running_loop()
        next_clock = next_heartbeat = next_reconcile = loop.time()
        first = True
        while True:
            t = loop.time()
            now = self.clock()
            if self.receiver is not None:
                await self.receiver.tick()
            if t >= next_clock:
                was = self.synced
                self.synced = await clock_synced(s.clock_check, now)
                next_clock = t + s.clock_check_interval_s
                if self.synced and not was:
                    log.info("clock synchronised: releasing held windows")
                    await self.store.write(outbox.release_held)
                    if self.drainer is not None:
                        self.drainer.rewind()
            reconcile = t >= next_reconcile
            if reconcile:
                next_reconcile = t + s.reconcile_interval_s
            await self.tick(now, first_run=first, reconcile=reconcile and not first)
            first = False
            await self.enqueue(self._stock_due(now))
            if t >= next_heartbeat:
                next_heartbeat = t + s.heartbeat_s
                await self.enqueue([await self._heartbeat()])
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_TICK_S):
                    await self._tick_now.wait()
            self._tick_now.clear()
            await asyncio.sleep(0.05)  # a burst of events makes one tick, not many

    async def tick(self, now: float, *, first_run: bool = False, reconcile: bool = False) -> None:
        """Find new screenings, recompute ended dirty windows, enqueue what changed."""
        s = self.settings
        assert self._hasher is not None
        hasher, synced, feeds = self._hasher, self.synced, self.feeds
        paces = {Stream.STOCK.value: Pace(s.stock_min_interval_s, stock_band)}

        def step(db: sqlite_utils.Database) -> tuple[int, list[Outgoing]]:
            seen = windows.scan(db, s.window_s, since=now - s.backfill_s, doubt=not synced)
            if reconcile:
                windows.mark_range(db, s.window_s, since=now - s.reconcile_s)
            depth = outbox.depth(db)
            if depth.rows < s.outbox_max_rows // 2:
                windows.requeue_evicted(db, limit=s.outbox_max_rows // 10)
            items = windows.flush(
                db,
                now=now,
                window_s=s.window_s,
                settle_s=s.window_settle_s,
                synced=synced,
                hasher=hasher,
            )
            fed = pull(db, feeds, synced, now=now, paces=paces)
            outbox.enqueue(db, s.gateway_id, [*items, *fed], now, s.outbox_max_rows)
            return seen + len(fed), items + fed

        while True:
            seen, items = await self.store.write(step)
            if items and self.drainer is not None:
                self.drainer.notify(min(PRIORITY.get(i.stream, 3) for i in items))
            if not items and seen == 0:
                break
        del first_run

    async def _heartbeat(self) -> Outgoing:
        status = await self.status()
        body = {
            "outbox_depth": status.outbox_depth,
            "outbox_held": status.outbox_held,
            "outbox_oldest_age_s": status.outbox_oldest_age_s,
            "evicted_total": status.evicted_total,
            "uptime_s": round(time.monotonic() - self._started, 1),
            "bdseq": self.bdseq,
            "clock_synced": self.synced,
            "policy_refused": self.policy_stats.refused,
        }
        return Outgoing(Stream.HEARTBEAT.value, "gateway", body, self.synced)

    async def status(self) -> UplinkStatus:
        depth = await self.store.read(outbox.depth)
        now = self.clock()
        client, drainer = self.client, self.drainer
        error = client.last_error if client is not None else None
        return UplinkStatus(
            gateway=self.settings.gateway_id,
            connected=client is not None and client.connected.is_set(),
            outbox_depth=depth.rows,
            outbox_held=depth.held,
            outbox_oldest_age_s=(
                None
                if depth.oldest_created_at is None
                else round(max(0.0, now - depth.oldest_created_at), 1)
            ),
            in_flight=drainer.inflight if drainer else 0,
            sent_total=drainer.stats.sent if drainer else 0,
            evicted_total=depth.evicted_total,
            bdseq=self.bdseq,
            clock_synced=self.synced,
            last_error=error.reason if error is not None else None,
            policy={
                "applied": self.policy_stats.applied,
                "refused": self.policy_stats.refused,
                "last_refusal": self.policy_stats.last_refusal,
                "accepts": self._public_key is not None and self.apply_policy is not None,
            },
            distribution=self.receiver.describe() if self.receiver is not None else [],
            distribution_counts=(
                dataclasses.asdict(self.receiver.stats) if self.receiver is not None else {}
            ),
        )

    # -- commands from the centre ----------------------------------------------------------------
    async def _commands(self, client: MqttClient) -> None:
        async for message in client.messages():
            if message.topic == CENTRE_TOPIC:
                await self._centre_came_up(message.payload)
                continue
            if message.topic.startswith(DIST_ROOT + "/"):
                if self.receiver is not None:
                    await self.receiver.handle(message.topic, message.payload)
                continue
            try:
                parts = parse_topic(message.topic)
            except ProtocolError:  # a topic we did not ask for
                continue
            if parts.kind != "cmd" or parts.gateway != self.settings.gateway_id:
                continue
            if parts.name == "policy":
                await self.handle_policy(message.payload)
            else:
                await self._ack(
                    str(parts.name),
                    message.payload,
                    ok=False,
                    status="refused",
                    reason=f"unknown command {parts.name!r}",
                )

    async def _centre_came_up(self, payload: bytes) -> None:
        """A centre that announces a new start has perhaps not heard this gateway's birth (it
        subscribed after it was sent): send it again. The same announcement seen again (on a
        reconnect of this gateway, which sent its birth anyway) changes nothing."""
        if not payload or len(payload) > MAX_CENTRE_STATE_BYTES or payload == self._centre_seen:
            return
        self._centre_seen = payload
        if self.client is not None and self.client.connected.is_set():
            log.info("the centre came up: birth sent again")
            await self._on_connect()

    async def handle_policy(self, payload: bytes) -> None:
        if self._public_key is None:
            await self._refuse(payload, "no centre public key is configured")
            return
        try:
            signed = verify_policy(payload, self._public_key)
        except PolicySignatureError as exc:
            await self._refuse(payload, exc.reason)
            return
        if signed.gateway not in (None, self.settings.gateway_id):
            await self._refuse(payload, f"signed for gateway {signed.gateway!r}")
            return
        last_at, last_digest = await self.store.read(
            lambda db: (
                float(outbox.get_state(db, "policy_issued_at", 0.0)),
                outbox.get_state(db, "policy_digest"),
            )
        )
        extra = {
            "kid": signed.kid,
            "issued_at": signed.issued_at,
            "version": signed.policy.get("version"),
        }
        if signed.digest == last_digest:
            await self._ack("policy", payload, ok=True, status="unchanged", reason="", **extra)
            return
        if signed.issued_at <= last_at:
            await self._refuse(payload, "older than the policy in force (replayed?)", **extra)
            return
        if self.apply_policy is None:
            await self._refuse(payload, "this gateway takes no policy from the centre", **extra)
            return
        try:
            result = self.apply_policy(signed.policy)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            await self._refuse(payload, f"not applied: {exc}", **extra)
            return

        def remember(db: sqlite_utils.Database) -> None:
            outbox.set_state(db, "policy_issued_at", signed.issued_at)
            outbox.set_state(db, "policy_digest", signed.digest)

        await self.store.write(remember)
        self.policy_stats.applied += 1
        log.info(
            "policy from the centre applied (kid %s, version %s)",
            signed.kid,
            signed.policy.get("version"),
        )
        await self._ack("policy", payload, ok=True, status="applied", reason="", **extra)

    async def _refuse(self, payload: bytes, reason: str, **extra: Any) -> None:
        self.policy_stats.refused += 1
        self.policy_stats.last_refusal = reason
        log.warning("policy command refused: %s", reason)
        await self._ack("policy", payload, ok=False, status="refused", reason=reason, **extra)

    async def _ack(
        self, command: str, payload: bytes, *, ok: bool, status: str, reason: str, **extra: Any
    ) -> None:
        digest = hashlib.sha256(payload).hexdigest()
        body = {
            "ok": ok,
            "status": status,
            "reason": reason,
            "command": command,
            "digest": digest,
            **extra,
        }
        await self.enqueue(
            [
                Outgoing(
                    ACK_STREAM,
                    digest[:16],
                    body,
                    self.synced,
                    topic=ack_topic(self.settings.gateway_id, command),
                )
            ]
        )
