"""The gateway's side of distribution: receive, verify, apply, persist, acknowledge.

Per stream (a kind for one of this gateway's scopes) the receiver holds a version and a value.
An item from the centre is, in this order: opened (size, form, key, signature: see
:func:`cloud_sync.distribution.items.open_item`), checked for scope (signed for the stream of
the topic it came on, and for this gateway) and order (a version above the one held; a delta
must follow the version held), turned into the new value (:mod:`cloud_sync.distribution.content`),
prepared by the part that uses it (:mod:`cloud_sync.distribution.apply`), persisted with the
acknowledgement in one transaction, and only then put in force. Anything that fails leaves the
held value in force and is acknowledged with its reason.

A delta that does not follow the version held (the gateway missed one), or a head that refers
to a snapshot, makes the receiver subscribe to that stream's snapshot parts until it holds a
version at least as new; then it unsubscribes.

The acknowledgement is the stream's state on the uplink's ``distribution`` data stream (key
``<kind>/<scope>``, replaceable in the outbox): the version held and the last refusal. It goes
through the outbox, so it reaches the centre across restarts and broken links.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from cloud_sync.distribution.apply import Applier, ApplyError, Prepared
from cloud_sync.distribution.content import CODECS
from cloud_sync.distribution.errors import ContentError, ItemRefusedError, Refusal
from cloud_sync.distribution.frames import (
    Assembler,
    ItemFrame,
    PartFrame,
    RefFrame,
    decode_frame,
    head_filter,
    parse_dist_topic,
    parts_filter,
)
from cloud_sync.distribution.items import (
    MAX_PAYLOAD_BYTES,
    Item,
    compress,
    decompress,
    open_item,
    read_payload,
)
from cloud_sync.distribution.keys import CentreKeys
from cloud_sync.distribution.kinds import Kind, Mode, Scope, ScopeError, scopes_of
from cloud_sync.protocol import Stream
from cloud_sync.uplink import dist_store
from cloud_sync.uplink.outbox import Outgoing, iso
from edge.core.store import Store

log = logging.getLogger(__name__)

#: After this many deltas (or when they outweigh the snapshot) the value is stored whole.
COMPACT_AFTER = 16
FETCH_RETRY_S = 120.0

# -- what the centre reads (one place, to be translated) ------------------------------------
NOT_FOR_TOPIC = "signed for {kind} {scope}, but came on the topic of {topic_kind} {topic_scope}"
NOT_FOR_ME = "signed for {scope}, not for this gateway"
OLDER = "version {version} is older than version {held} held (replayed?)"
FETCHING = "version {version} does not follow version {held} held: fetching the snapshot"
REFETCH = "the snapshot did not come within {s:g} s: asking again"
PART_ON_HEAD = "a snapshot part on the head topic"
NOT_USED = "held; not used here: {why}"
NOT_STORED = "in force, but not stored ({why}): it is fetched again after a restart"

SubscribeFn = Callable[[str], Awaitable[None]]
WriteOutgoing = Callable[[sqlite_utils.Database, list[Outgoing]], None]


@dataclass
class StreamState:
    kind: Kind
    scope: Scope
    value: Any
    held: int = 0
    held_at: float | None = None
    status: str = "none"  # applied, refused, fetching, none
    reason: str = ""
    item_version: int | None = None
    refused_version: int | None = None
    refused_reason: str = ""
    refused_at: float | None = None
    deltas: int = 0  # deltas stored since the last stored snapshot
    delta_bytes: int = 0
    snapshot_bytes: int = 0
    pending: Item | None = None  # a delta that waits for the snapshot it follows
    unsent: bool = False  # the state changed but is not in the outbox yet

    @property
    def key(self) -> str:
        return f"{self.kind.value}/{self.scope}"

    def row(self) -> dist_store.StreamRow:
        return dist_store.StreamRow(
            kind=self.kind.value,
            scope=str(self.scope),
            held=self.held,
            held_at=self.held_at,
            status=self.status,
            reason=self.reason,
            item_version=self.item_version,
            refused_version=self.refused_version,
            refused_reason=self.refused_reason,
            refused_at=self.refused_at,
        )

    def body(self) -> dict[str, Any]:
        """The acknowledgement the centre stores (schema: ``cloud_sync.schemas.DISTRIBUTION``)."""
        return {
            "kind": self.kind.value,
            "scope": str(self.scope),
            "held": self.held,
            "held_at": iso(self.held_at) if self.held_at is not None else None,
            "status": self.status,
            "reason": self.reason[:1000],
            "item_version": self.item_version,
            "refused_version": self.refused_version,
            "refused_reason": self.refused_reason[:1000],
            "refused_at": iso(self.refused_at) if self.refused_at is not None else None,
        }


@dataclass
class _Fetch:
    want: int
    started: float
    assembler: Assembler = field(default_factory=Assembler)


@dataclass
class ReceiverStats:
    applied: int = 0
    refused: int = 0
    duplicates: int = 0
    fetches: int = 0
    not_stored: int = 0


class Receiver:
    """One gateway's receiver; the uplink feeds it every message on a distribution topic."""

    def __init__(
        self,
        *,
        gateway: str,
        community: str | None,
        keys: CentreKeys,
        appliers: Mapping[Kind, Applier],
        store: Store,
        write_outgoing: WriteOutgoing,
        subscribe: SubscribeFn,
        unsubscribe: SubscribeFn,
        clock: Callable[[], float] = time.time,
        synced: Callable[[], bool] = lambda: True,
        sent: Callable[[], None] = lambda: None,
    ) -> None:
        self.gateway = gateway
        self.community = community
        self.keys = keys
        self.appliers = dict(appliers)
        self.store = store
        self._write_outgoing = write_outgoing
        self._subscribe = subscribe
        self._unsubscribe = unsubscribe
        self._clock = clock
        self._synced = synced
        self._sent = sent
        self.scopes = scopes_of(gateway, community)
        self.streams: dict[tuple[Kind, Scope], StreamState] = {
            (kind, scope): StreamState(kind, scope, CODECS[kind].empty())
            for kind in Kind
            for scope in self.scopes
        }
        self._fetches: dict[tuple[Kind, Scope], _Fetch] = {}
        self.stats = ReceiverStats()
        self._lock = asyncio.Lock()

    def filters(self) -> list[str]:
        """The topic filters to stay subscribed to: the heads of this gateway's scopes."""
        return [head_filter(scope) for scope in self.scopes]

    # -- start-up ---------------------------------------------------------------------------
    async def load(self) -> None:
        """Rebuild every held value from the store and put it in force (before connecting)."""
        rows, blobs = await self.store.read(dist_store.load)
        loop = asyncio.get_running_loop()
        for row in rows:
            try:
                kind, scope = Kind(row.kind), Scope.parse(row.scope)
            except (ValueError, ScopeError):
                continue
            stream = self.streams.get((kind, scope))
            if stream is None:  # a scope this gateway no longer listens to
                continue
            stream.held, stream.held_at, stream.status = row.held, row.held_at, row.status
            stream.reason, stream.item_version = row.reason, row.item_version
            stream.refused_version, stream.refused_reason = row.refused_version, row.refused_reason
            stream.refused_at = row.refused_at
            found = blobs.get((row.kind, row.scope), [])
            try:
                value, deltas = await loop.run_in_executor(None, _rebuild, kind, found)
            except (ItemRefusedError, ContentError) as exc:
                log.error("distributed %s for %s cannot be rebuilt: %s", kind, scope, exc)
                stream.held = 0  # fetched again from the centre
                continue
            stream.value, stream.deltas = value, deltas
            stream.snapshot_bytes = len(found[0].payload) if found else 0
            stream.delta_bytes = sum(len(b.payload) for b in found[1:])
            stream.unsent = True  # tell the centre what this gateway holds after a restart
        for kind in Kind:
            if any(s.held for (k, _), s in self.streams.items() if k is kind):
                try:
                    prepared = await self._prepare(kind, {})
                except ApplyError as exc:
                    log.error("distributed %s not put in force at start: %s", kind, exc.reason)
                    continue
                prepared.install()
                log.info("distributed %s in force: %s", kind, prepared.summary)

    # -- messages ---------------------------------------------------------------------------
    async def handle(self, topic: str, payload: bytes) -> None:
        """One message on a distribution topic; never raises for bad input."""
        try:
            where = parse_dist_topic(topic)
        except ValueError:
            return
        stream = self.streams.get((where.kind, where.scope))
        if stream is None:
            return  # not a scope of this gateway: it did not subscribe to it
        async with self._lock:
            await self._handle(stream, where.place, payload)

    async def _handle(self, stream: StreamState, place: str, payload: bytes) -> None:
        if not payload:
            return  # a retained part cleared by the centre
        try:
            frame = decode_frame(payload)
            if place == "head":
                if isinstance(frame, ItemFrame):
                    await self._item(stream, frame.text)
                elif isinstance(frame, RefFrame):
                    if frame.version > stream.held:
                        await self._fetch(stream, frame.version)
                else:
                    raise ItemRefusedError(Refusal.DAMAGED, PART_ON_HEAD)
            elif isinstance(frame, PartFrame):
                fetch = self._fetches.get((stream.kind, stream.scope))
                if fetch is None:
                    return  # a part delivered after the fetch ended
                text = fetch.assembler.add(frame)
                if text is not None:
                    await self._item(stream, text)
        except ItemRefusedError as refusal:
            await self._refuse(stream, None, refusal)

    async def _item(self, stream: StreamState, text: str) -> None:
        loop = asyncio.get_running_loop()
        item = await loop.run_in_executor(None, open_item, text, self.keys)
        if item.kind is not stream.kind or item.scope != stream.scope:
            raise ItemRefusedError(
                Refusal.OUT_OF_SCOPE,
                NOT_FOR_TOPIC.format(
                    kind=item.kind,
                    scope=item.scope,
                    topic_kind=stream.kind,
                    topic_scope=stream.scope,
                ),
            )
        if not item.scope.includes(self.gateway, self.community):
            raise ItemRefusedError(Refusal.OUT_OF_SCOPE, NOT_FOR_ME.format(scope=item.scope))
        try:
            await self._take(stream, item)
        except ItemRefusedError as refusal:
            await self._refuse(stream, item.version, refusal)
        await self._after(stream)

    async def _take(self, stream: StreamState, item: Item) -> None:
        if item.version == stream.held:
            # A repeat (QoS 1, a retained head on reconnect, a centre asking again): nothing
            # changes, but the centre is told again what is held.
            self.stats.duplicates += 1
            await self._confirm(stream)
            return
        if item.version < stream.held:
            raise ItemRefusedError(
                Refusal.OLDER, OLDER.format(version=item.version, held=stream.held)
            )
        if item.mode is Mode.DELTA and item.base != stream.held:
            stream.pending = item
            await self._fetch(stream, item.version)
            return
        await self._apply(stream, item)

    async def _after(self, stream: StreamState) -> None:
        """A pending delta that now follows; a fetch that is over."""
        pending = stream.pending
        if pending is not None and pending.version <= stream.held:
            stream.pending = None
        elif pending is not None and pending.base == stream.held:
            stream.pending = None
            try:
                await self._apply(stream, pending)
            except ItemRefusedError as refusal:
                await self._refuse(stream, pending.version, refusal)
        key = (stream.kind, stream.scope)
        fetch = self._fetches.get(key)
        if fetch is not None and stream.held >= fetch.want:
            del self._fetches[key]
            with contextlib.suppress(Exception):
                await self._unsubscribe(parts_filter(stream.scope, stream.kind))

    async def _fetch(self, stream: StreamState, want: int) -> None:
        key = (stream.kind, stream.scope)
        fetch = self._fetches.get(key)
        if fetch is not None:
            fetch.want = max(fetch.want, want)
            return
        self._fetches[key] = _Fetch(want, time.monotonic())
        self.stats.fetches += 1
        stream.status = "fetching"
        stream.reason = FETCHING.format(version=want, held=stream.held)
        await self._save(stream, None, None)
        await self._subscribe(parts_filter(stream.scope, stream.kind))

    async def tick(self) -> None:
        """Periodic: ask again for a snapshot that did not come; send states not yet sent."""
        async with self._lock:
            now = time.monotonic()
            for key, fetch in list(self._fetches.items()):
                if now - fetch.started < FETCH_RETRY_S:
                    continue
                stream = self.streams[key]
                log.warning("%s/%s: %s", stream.kind, stream.scope, REFETCH.format(s=FETCH_RETRY_S))
                fetch.started, fetch.assembler = now, Assembler()
                with contextlib.suppress(Exception):
                    await self._unsubscribe(parts_filter(stream.scope, stream.kind))
                    await self._subscribe(parts_filter(stream.scope, stream.kind))
            unsent = [s for s in self.streams.values() if s.unsent]
            if unsent:
                with contextlib.suppress(Exception):
                    await self.store.write(lambda db: self._outgoing(db, unsent))
                    self._sent()

    # -- applying ---------------------------------------------------------------------------
    async def _prepare(self, kind: Kind, replacing: Mapping[Scope, Any]) -> Prepared:
        values = {scope: s.value for (k, scope), s in self.streams.items() if k is kind}
        values.update(replacing)
        applier = self.appliers.get(kind)
        if applier is None:
            return Prepared(install=lambda: None, summary=NOT_USED.format(why="no part for it"))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, applier.prepare, values)

    async def _apply(self, stream: StreamState, item: Item) -> None:
        loop = asyncio.get_running_loop()
        try:
            value = await loop.run_in_executor(None, _value_of, item, stream.value)
        except ContentError as exc:
            raise ItemRefusedError(Refusal.CONTENT, str(exc)) from None
        try:
            prepared = await self._prepare(item.kind, {stream.scope: value})
        except ApplyError as exc:
            raise ItemRefusedError(Refusal.NOT_APPLIED, exc.reason) from None
        compact = item.mode is Mode.DELTA and (
            stream.deltas + 1 >= COMPACT_AFTER
            or stream.delta_bytes + len(item.payload_z) > stream.snapshot_bytes
        )
        if compact:
            blob = await loop.run_in_executor(None, _snapshot_blob, item, value)
        else:
            blob = dist_store.Blob(item.version, item.mode.value, item.base, item.payload_z)
        now = self._clock()
        stream.status, stream.reason = "applied", prepared.summary
        stream.item_version = item.version
        stream.held, stream.held_at = item.version, now
        stored = await self._save(stream, blob, prepared)
        if not stored:
            self.stats.not_stored += 1
            stream.reason = NOT_STORED.format(why=self._store_problem())
        prepared.install()
        stream.value = value
        if blob.mode == "snapshot":
            stream.deltas, stream.delta_bytes, stream.snapshot_bytes = 0, 0, len(blob.payload)
        else:
            stream.deltas += 1
            stream.delta_bytes += len(blob.payload)
        self.stats.applied += 1
        log.info(
            "distributed %s for %s: version %d (%s) in force, %s",
            item.kind,
            item.scope,
            item.version,
            item.mode,
            prepared.summary,
        )

    def _store_problem(self) -> str:
        return self.store.health.what or "storage failed"

    async def _refuse(
        self, stream: StreamState, version: int | None, refusal: ItemRefusedError
    ) -> None:
        self.stats.refused += 1
        log.warning(
            "distributed %s for %s refused (version %s): %s",
            stream.kind,
            stream.scope,
            version if version is not None else "unknown",
            refusal.words,
        )
        stream.status, stream.reason = "refused", refusal.words
        stream.refused_version, stream.refused_reason = version, refusal.words
        stream.refused_at = self._clock()
        if version is not None:
            stream.item_version = version
        await self._save(stream, None, None)

    async def _save(
        self, stream: StreamState, blob: dist_store.Blob | None, prepared: Prepared | None
    ) -> bool:
        """Persist the stream (and its blob, and the part's rows) with its acknowledgement."""
        now = self._clock()
        row = stream.row()
        stream.unsent = True

        def write(db: sqlite_utils.Database) -> None:
            if blob is not None:
                dist_store.save_blob(db, row.kind, row.scope, blob, now)
            if prepared is not None and prepared.write is not None:
                prepared.write(db)
            dist_store.save_stream(db, row)
            self._outgoing(db, [stream])

        try:
            await self.store.write(write)
        except Exception as exc:
            log.error("distributed %s for %s not stored: %s", stream.kind, stream.scope, exc)
            return False
        self._sent()
        return True

    async def _confirm(self, stream: StreamState) -> None:
        stream.unsent = True
        with contextlib.suppress(Exception):  # else tick() sends it when the storage is back
            await self.store.write(lambda db: self._outgoing(db, [stream]))
            self._sent()

    def _outgoing(self, db: sqlite_utils.Database, streams: list[StreamState]) -> None:
        synced = self._synced()
        items = [Outgoing(Stream.DISTRIBUTION.value, s.key, s.body(), synced) for s in streams]
        self._write_outgoing(db, items)
        for s in streams:
            s.unsent = False

    # -- for the gateway's own pages --------------------------------------------------------
    def describe(self) -> list[dict[str, Any]]:
        return [
            {**s.body(), "fetching": (s.kind, s.scope) in self._fetches}
            for s in self.streams.values()
            if s.held or s.status != "none"
        ]


def _value_of(item: Item, current: Any) -> Any:
    codec = CODECS[item.kind]
    if item.mode is Mode.SNAPSHOT:
        return codec.snapshot(item.content)
    return codec.delta(current, item.content)


def _snapshot_blob(item: Item, value: Any) -> dist_store.Blob:
    """The value as a snapshot payload of the item's version, compressed (for compaction)."""
    whole = Item(
        kind=item.kind,
        scope=item.scope,
        version=item.version,
        mode=Mode.SNAPSHOT,
        base=0,
        issued_at=item.issued_at,
        content=CODECS[item.kind].dump(value),
    )
    return dist_store.Blob(item.version, "snapshot", 0, compress(whole.payload(), level=1))


def _rebuild(kind: Kind, blobs: list[dist_store.Blob]) -> tuple[Any, int]:
    """The value the stored blobs make (a snapshot and the deltas after it), and how many
    deltas. What the store holds was checked when it came, so it is read, not verified."""
    codec = CODECS[kind]
    value = codec.empty()
    deltas = 0
    for blob in blobs:
        item = read_payload(decompress(blob.payload, MAX_PAYLOAD_BYTES[kind]))
        value = (
            codec.snapshot(item.content)
            if blob.mode == "snapshot"
            else codec.delta(value, item.content)
        )
        deltas = 0 if blob.mode == "snapshot" else deltas + 1
    return value, deltas
