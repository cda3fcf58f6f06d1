"""The write path: classified messages into the tables, silent gateways timed out.

:meth:`Writer.apply` and :meth:`Writer.sweep` must come from one thread at a time; the service
runs them on a single writer thread. Each call is one transaction, so a batch of thousands of
messages costs one commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from cloud_sync.monitor.errors import StorageError
from cloud_sync.monitor.ingest import (
    Birth,
    Death,
    Ingested,
    Rejected,
)
from cloud_sync.monitor.storage.backend import Backend, Cursor
from cloud_sync.monitor.storage.batch import (
    ApplyResult,
    clean,
    gateway_of,
    refused,
    set_aside,
    sort_batch,
)
from cloud_sync.monitor.storage.fever import FeverRule, evaluate, fever_sql
from cloud_sync.monitor.storage.keyed import store_acks, store_messages
from cloud_sync.monitor.storage.write_sql import write_sql

_RETRIES = 5
#: what a person reads for a gateway refused as unknown (one place, to be translated)
UNREGISTERED = (
    "gateway {gateway} is not registered at this centre; to take its messages:"
    " central-monitor gateways add {gateway} --community NAME"
)


class Writer:
    """The one writer of a monitor's database."""

    def __init__(
        self,
        backend: Backend,
        *,
        rejected_keep: int = 10_000,
        max_keys_per_gateway: int = 1_000_000,
        refuse_unknown: bool = False,
        fever: FeverRule | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend = backend
        self.sql = write_sql(backend.dialect)
        #: when fever denials in a community make an alert (storage/fever.py)
        self.fever = fever or FeverRule()
        self.fever_sql = fever_sql(backend.dialect)
        self.clock = clock
        self.rejected_keep = rejected_keep
        self.max_keys = max_keys_per_gateway
        #: True: a gateway the registry does not know is refused; False: stored, held apart
        self.refuse_unknown = refuse_unknown

    def apply(self, items: Sequence[Ingested]) -> ApplyResult:
        """Store one batch in one transaction; a value the database refuses is set aside."""
        if not items:
            return ApplyResult()
        try:
            return self._apply_batch(items)
        except Exception as exc:
            if not isinstance(exc, self.backend.dialect.data_errors):
                raise StorageError("storing a batch", exc) from exc
            if len(items) > 1:
                total = ApplyResult()
                for item in items:
                    total.add(self.apply([item]))
                return total
            instead = refused(items[0], exc)
            if instead is None:
                raise StorageError("storing a message", exc) from exc
            try:
                return self._apply_batch([instead])
            except Exception as again:
                raise StorageError("setting aside a refused message", again) from again

    def _apply_batch(self, items: Sequence[Ingested]) -> ApplyResult:
        retry = self.backend.dialect.retry_errors
        for attempt in range(_RETRIES):
            try:
                return self._apply_once(items)
            except retry:
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def _apply_once(self, items: Sequence[Ingested]) -> ApplyResult:
        with self.backend.write_transaction() as cur:
            refused: list[Rejected] = []
            if self.refuse_unknown:
                items = self._registered_only(cur, items, refused)
            batch = sort_batch(items)
            result = batch.result
            result.rejected.extend(refused)
            if batch.touched:  # first: the keys counted below live on the gateway's row
                cur.executemany(
                    self.sql.touch, [(gw, at, at) for gw, at in sorted(batch.touched.items())]
                )
            if batch.seqs:
                result.gaps = self._track_streams(cur, batch.seqs)
            if batch.latest:
                stored = store_messages(cur, self.sql, batch.latest, self.max_keys)
                result.stored = stored.stored
                result.rejected.extend(stored.rejected)
            result.duplicates = result.data - result.stored - result.count("key_limit")
            for event in batch.lifecycle:
                if isinstance(event, Birth):
                    self._birth(cur, event)
                    result.births += 1
                elif self._death(cur, event):
                    result.deaths += 1
                else:
                    result.stale_deaths += 1
            if any(stream == "lane-window" for _gw, stream, _key in batch.latest):
                # New lane windows may make (or end) a community's fever alert.
                evaluate(cur, self.fever_sql, self.fever, self.clock())
            if batch.acks:
                acks = store_acks(cur, self.sql, batch.acks, self.max_keys)
                result.acks = acks.stored
                result.rejected.extend(acks.rejected)
            if result.rejected:
                self._store_rejected(cur, result.rejected)
        return result

    def _registered_only(
        self, cur: Cursor, items: Sequence[Ingested], refused: list[Rejected]
    ) -> list[Ingested]:
        """The items of registered gateways; the others set aside into ``refused``."""
        named = {gw for item in items if (gw := gateway_of(item)) is not None}
        if not named:
            return list(items)
        cur.execute(self.sql.registered_of(len(named)), sorted(named))
        known = {row[0] for row in cur.fetchall()}
        kept: list[Ingested] = []
        for item in items:
            gateway = gateway_of(item)
            if gateway is None or gateway in known:
                kept.append(item)
            elif aside := set_aside(item, "unregistered", UNREGISTERED.format(gateway=gateway)):
                refused.append(aside)
        return kept

    def _track_streams(self, cur: Cursor, seqs: dict[tuple[str, str], list[int]]) -> int:
        gateways = sorted({gw for gw, _ in seqs})
        cur.execute(self.sql.streams_of(len(gateways)), gateways)
        last_seen = {(row[0], row[1]): int(row[2]) for row in cur.fetchall()}
        rows = []
        total_gaps = 0
        for ident in sorted(seqs):
            last = last_seen.get(ident)
            gaps = late = 0
            for seq in seqs[ident]:
                if last is None or seq == last + 1:
                    last = seq
                elif seq > last + 1:
                    gaps += seq - last - 1
                    last = seq
                else:  # a repeat, or a message overtaken by a later one
                    late += 1
            total_gaps += gaps
            assert last is not None
            rows.append((ident[0], ident[1], last, len(seqs[ident]), gaps, late))
        cur.executemany(self.sql.upsert_streams, rows)
        return total_gaps

    def _birth(self, cur: Cursor, birth: Birth) -> None:
        at = birth.received_at
        cur.execute(
            self.sql.birth,
            (
                birth.gateway,
                clean(birth.community) if birth.community else None,
                birth.bdseq,
                birth.keepalive_s,
                birth.heartbeat_s,
                clean(birth.software) if birth.software else None,
                at,
                at,
                at,
            ),
        )

    def _death(self, cur: Cursor, death: Death) -> bool:
        """Mark offline if ``bdseq`` is the current session's; a stale death is only counted."""
        cur.execute(self.sql.death, (death.received_at, death.gateway, death.bdseq))
        if cur.rowcount > 0:
            return True
        cur.execute(self.sql.stale_death, (death.gateway,))
        return False

    def _store_rejected(self, cur: Cursor, rejected: list[Rejected]) -> None:
        cur.executemany(
            self.sql.insert_rejected,
            [
                (
                    clean(r.topic),
                    r.category,
                    clean(r.reason),
                    clean(r.sample),
                    r.size,
                    r.received_at,
                )
                for r in rejected
            ],
        )
        # A flood of garbage must not fill the disk: keep the newest ``rejected_keep``.
        cur.execute(self.sql.trim_rejected, (self.rejected_keep,))

    def sweep(self, now: float, default_keepalive_s: float, factor: float = 1.5) -> list[str]:
        """Mark offline every online gateway silent for ``factor`` x its keep-alive (or x its
        heartbeat interval, when its birth said it heartbeats less often)."""
        try:
            with self.backend.write_transaction() as cur:
                cur.execute(self.sql.silent_gateways, (now, factor, default_keepalive_s))
                gone = [row[0] for row in cur.fetchall()]
                if gone:
                    cur.executemany(self.sql.time_out, [(now, gw) for gw in gone])
                # Fever alerts resolve as their windows age out, with or without new data.
                evaluate(cur, self.fever_sql, self.fever, now)
        except Exception as exc:
            raise StorageError("marking silent gateways offline", exc) from exc
        return gone
