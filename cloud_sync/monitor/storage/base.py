"""The monitor's store: one SQL implementation, two dialects (SQLite, PostgreSQL).

Writes (:meth:`SqlStorage.apply`, :meth:`SqlStorage.sweep`) must come from one thread at a
time; the service runs them on a single writer thread. Each call is one transaction, so a batch
of thousands of messages costs one commit. Reads use a connection of their own.

Per ``(gateway, stream, key)`` the store keeps the highest ``rev`` only (``INSERT ... ON
CONFLICT DO UPDATE ... WHERE excluded.rev > messages.rev``), so a replay never double-counts.
"""

from __future__ import annotations

import abc
import contextlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cloud_sync.monitor.errors import StorageError
from cloud_sync.monitor.ingest import (
    Birth,
    CommandAck,
    DataMessage,
    Death,
    Ignored,
    Ingested,
    Rejected,
)

log = logging.getLogger(__name__)

Row = dict[str, Any]

SEVERITY_RANK = {
    "critical": 0,
    "emergency": 0,
    "high": 1,
    "error": 1,
    "major": 1,
    "warning": 2,
    "medium": 2,
    "minor": 3,
    "low": 3,
    "info": 4,
}
CLOSED_ALERT_STATES = ("resolved", "closed", "cleared")
HEALTHY_DEVICE_STATES = ("connected", "ok", "online", "available")


@dataclass(slots=True)
class ApplyResult:
    """What one :meth:`SqlStorage.apply` did (the service adds these into its metrics)."""

    data: int = 0
    stored: int = 0  # new keys or higher revisions
    duplicates: int = 0  # same or older revision than stored: replaced nothing
    births: int = 0
    deaths: int = 0
    stale_deaths: int = 0
    acks: int = 0
    ignored: int = 0
    gaps: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def add(self, other: ApplyResult) -> None:
        self.data += other.data
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.births += other.births
        self.deaths += other.deaths
        self.stale_deaths += other.stale_deaths
        self.acks += other.acks
        self.ignored += other.ignored
        self.gaps += other.gaps
        self.rejected.extend(other.rejected)


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Any: ...

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Any]: ...


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL, neither database a lone surrogate; a rejected sample
    # must still be storable.
    return text.encode("utf-8", errors="replace").decode("utf-8").replace("\x00", "\ufffd")


def _body(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float | int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


class SqlStorage(abc.ABC):
    """The shared SQL; subclasses give the dialect's connections and JSON expressions."""

    # The SQL below is written once, in PostgreSQL's words with "?" placeholders; each
    # dialect rewrites it with these (text, replacement) pairs, applied in order.
    rewrites: tuple[tuple[str, str], ...] = ()
    description = "database"

    def __init__(self, *, rejected_keep: int = 10_000) -> None:
        self.adopted: list[str] = []  # steps an older monitor had recorded (see schema.py)
        self.migrated: list[str] = []  # steps this opening applied
        self.rejected_keep = rejected_keep
        self.closed = False
        self._read_lock = threading.Lock()
        self._sql_cache: dict[str, str] = {}

    # -- dialect hooks ----------------------------------------------------------------------
    @abc.abstractmethod
    def _write_transaction(self) -> contextlib.AbstractContextManager[Cursor]: ...

    @abc.abstractmethod
    def _read_cursor(self) -> contextlib.AbstractContextManager[Cursor]: ...

    @abc.abstractmethod
    def json_text(self, name: str) -> str: ...

    @abc.abstractmethod
    def json_num(self, name: str) -> str: ...

    @abc.abstractmethod
    def json_members(self, name: str) -> tuple[str, str, str, str]:
        """For an object member holding numbers: (join fragment, key, value, condition)."""
        ...

    def is_data_error(self, exc: BaseException) -> bool:
        """True when the database refused a value (store the rest), False when it is down."""
        return isinstance(exc, ValueError | OverflowError | UnicodeError)

    @abc.abstractmethod
    def close(self) -> None: ...

    def q(self, sql: str) -> str:
        cached = self._sql_cache.get(sql)
        if cached is None:
            cached = sql
            for text, replacement in self.rewrites:
                cached = cached.replace(text, replacement)
            self._sql_cache[sql] = cached
        return cached

    # -- writes -----------------------------------------------------------------------------
    def apply(self, items: Sequence[Ingested]) -> ApplyResult:
        """Store one batch in one transaction; a value the database refuses is set aside."""
        if not items:
            return ApplyResult()
        try:
            return self._apply_batch(items)
        except Exception as exc:
            if not self.is_data_error(exc):
                raise StorageError("storing a batch", exc) from exc
            if len(items) > 1:
                total = ApplyResult()
                for item in items:
                    total.add(self.apply([item]))
                return total
            refused = self._refused(items[0], exc)
            if refused is None:
                raise StorageError("storing a message", exc) from exc
            try:
                return self._apply_batch([refused])
            except Exception as again:
                raise StorageError("setting aside a refused message", again) from again

    @staticmethod
    def _refused(item: Ingested, exc: BaseException) -> Rejected | None:
        if isinstance(item, DataMessage | CommandAck):
            env = item.envelope
            topic = f"ccg/v1/{env.gateway}/{env.stream}/{env.key}"
        elif isinstance(item, Birth | Death):
            topic = f"ccg/v1/{item.gateway}/{type(item).__name__.lower()}"
        else:
            return None
        sample = repr(item).encode("utf-8", errors="replace")[:512].decode("utf-8", "replace")
        return Rejected(
            topic=topic.encode("utf-8", errors="replace").decode("utf-8"),
            category="store_refused",
            reason=f"the database refused it: {type(exc).__name__}: {exc}"[:500],
            sample=sample,
            size=len(sample),
            received_at=item.received_at,
        )

    def _apply_batch(self, items: Sequence[Ingested]) -> ApplyResult:
        result = ApplyResult()
        latest: dict[tuple[str, str, str], DataMessage] = {}
        seqs: dict[tuple[str, str], list[int]] = {}
        touched: dict[str, float] = {}
        lifecycle: list[Birth | Death] = []
        acks: list[CommandAck] = []
        for item in items:
            if isinstance(item, DataMessage):
                env = item.envelope
                result.data += 1
                ident = (env.gateway, env.stream, env.key)
                held = latest.get(ident)
                if held is None or env.rev > held.envelope.rev:
                    latest[ident] = item
                seqs.setdefault((env.gateway, env.stream), []).append(env.seq)
                if touched.get(env.gateway, 0.0) < item.received_at:
                    touched[env.gateway] = item.received_at
            elif isinstance(item, CommandAck):
                acks.append(item)
                gw = item.envelope.gateway
                if touched.get(gw, 0.0) < item.received_at:
                    touched[gw] = item.received_at
            elif isinstance(item, Birth | Death):
                lifecycle.append(item)
            elif isinstance(item, Rejected):
                result.rejected.append(item)
            elif isinstance(item, Ignored):
                result.ignored += 1
        with self._write_transaction() as cur:
            if seqs:
                result.gaps = self._track_streams(cur, seqs)
            if latest:
                result.stored = self._upsert_messages(cur, latest)
            result.duplicates = result.data - result.stored
            if touched:
                self._touch(cur, touched)
            for event in lifecycle:
                if isinstance(event, Birth):
                    self._birth(cur, event)
                    result.births += 1
                elif self._death(cur, event):
                    result.deaths += 1
                else:
                    result.stale_deaths += 1
            if acks:
                result.acks = self._store_acks(cur, acks)
            if result.rejected:
                self._store_rejected(cur, result.rejected)
        return result

    def _track_streams(self, cur: Cursor, seqs: dict[tuple[str, str], list[int]]) -> int:
        gateways = sorted({gw for gw, _ in seqs})
        marks = ",".join("?" * len(gateways))
        cur.execute(
            self.q(f"SELECT gateway, stream, last_seq FROM streams WHERE gateway IN ({marks})"),  # noqa: S608 (only placeholders are spliced in)
            gateways,
        )
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
        cur.executemany(
            self.q(
                "INSERT INTO streams (gateway, stream, last_seq, received, gaps, late)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (gateway, stream) DO UPDATE SET"
                " last_seq = GREATEST(streams.last_seq, excluded.last_seq),"
                " received = streams.received + excluded.received,"
                " gaps = streams.gaps + excluded.gaps,"
                " late = streams.late + excluded.late"
            ),
            rows,
        )
        return total_gaps

    def _upsert_messages(self, cur: Cursor, latest: dict[tuple[str, str, str], DataMessage]) -> int:
        rows = []
        # Sorted, so concurrent monitors on one PostgreSQL take row locks in the same order.
        for ident in sorted(latest):
            item = latest[ident]
            env = item.envelope
            rows.append(
                (
                    env.gateway,
                    env.stream,
                    env.key,
                    env.rev,
                    env.seq,
                    env.at,
                    int(env.clock_synced),
                    item.raw,
                    item.received_at,
                )
            )
        cur.executemany(
            self.q(
                "INSERT INTO messages"
                " (gateway, stream, key, rev, seq, at, clock_synced, envelope, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)"
                " ON CONFLICT (gateway, stream, key) DO UPDATE SET"
                " rev = excluded.rev, seq = excluded.seq, at = excluded.at,"
                " clock_synced = excluded.clock_synced, envelope = excluded.envelope,"
                " received_at = excluded.received_at"
                " WHERE excluded.rev > messages.rev"
            ),
            rows,
        )
        return max(cur.rowcount, 0)

    def _touch(self, cur: Cursor, touched: dict[str, float]) -> None:
        # A gateway timed out for silence is back as soon as it speaks; one that sent its
        # death stays offline until its next birth.
        cur.executemany(
            self.q(
                "INSERT INTO gateways (gateway, online, first_seen, last_seen) VALUES (?, 1, ?, ?)"
                " ON CONFLICT (gateway) DO UPDATE SET"
                " last_seen = GREATEST(gateways.last_seen, excluded.last_seen),"
                " online = CASE WHEN gateways.offline_reason = 'timeout' THEN 1"
                " ELSE gateways.online END,"
                " offline_reason = CASE WHEN gateways.offline_reason = 'timeout' THEN NULL"
                " ELSE gateways.offline_reason END"
            ),
            [(gw, at, at) for gw, at in sorted(touched.items())],
        )

    def _birth(self, cur: Cursor, birth: Birth) -> None:
        at = birth.received_at
        cur.execute(
            self.q(
                "INSERT INTO gateways (gateway, community, online, offline_reason, bdseq,"
                " keepalive_s, heartbeat_s, software, first_seen, last_seen, birth_at,"
                " offline_at)"
                " VALUES (?, ?, 1, NULL, ?, ?, ?, ?, ?, ?, ?, NULL)"
                " ON CONFLICT (gateway) DO UPDATE SET"
                " community = COALESCE(excluded.community, gateways.community),"
                " online = 1, offline_reason = NULL, bdseq = excluded.bdseq,"
                " keepalive_s = COALESCE(excluded.keepalive_s, gateways.keepalive_s),"
                " heartbeat_s = excluded.heartbeat_s,"
                " software = COALESCE(excluded.software, gateways.software),"
                " last_seen = GREATEST(gateways.last_seen, excluded.last_seen),"
                " birth_at = excluded.birth_at, offline_at = NULL"
            ),
            (
                birth.gateway,
                _clean(birth.community) if birth.community else None,
                birth.bdseq,
                birth.keepalive_s,
                birth.heartbeat_s,
                _clean(birth.software) if birth.software else None,
                at,
                at,
                at,
            ),
        )

    def _death(self, cur: Cursor, death: Death) -> bool:
        """Mark offline if ``bdseq`` is the current session's; a stale death is only counted."""
        cur.execute(
            self.q(
                "UPDATE gateways SET online = 0, offline_reason = 'death', offline_at = ?"
                " WHERE gateway = ? AND bdseq = ?"
            ),
            (death.received_at, death.gateway, death.bdseq),
        )
        if cur.rowcount > 0:
            return True
        cur.execute(
            self.q("UPDATE gateways SET stale_deaths = stale_deaths + 1 WHERE gateway = ?"),
            (death.gateway,),
        )
        return False

    def _store_acks(self, cur: Cursor, acks: list[CommandAck]) -> int:
        cur.executemany(
            self.q(
                "INSERT INTO command_acks (gateway, command, key, rev, body, at, received_at)"
                " VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)"
                " ON CONFLICT (gateway, command, key, rev) DO NOTHING"
            ),
            [
                (
                    a.envelope.gateway,
                    a.command,
                    a.envelope.key,
                    a.envelope.rev,
                    json.dumps(a.envelope.body, separators=(",", ":"), ensure_ascii=False),
                    a.envelope.at,
                    a.received_at,
                )
                for a in acks
            ],
        )
        return len(acks)

    def _store_rejected(self, cur: Cursor, rejected: list[Rejected]) -> None:
        cur.executemany(
            self.q(
                "INSERT INTO rejected (topic, category, reason, sample, size, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
            ),
            [
                (
                    _clean(r.topic),
                    r.category,
                    _clean(r.reason),
                    _clean(r.sample),
                    r.size,
                    r.received_at,
                )
                for r in rejected
            ],
        )
        # A flood of garbage must not fill the disk: keep the newest ``rejected_keep``.
        cur.execute(
            self.q("DELETE FROM rejected WHERE id <= (SELECT MAX(id) FROM rejected) - ?"),
            (self.rejected_keep,),
        )

    def sweep(self, now: float, default_keepalive_s: float, factor: float = 1.5) -> list[str]:
        """Mark offline every online gateway silent for ``factor`` x its keep-alive (or x its
        heartbeat interval, when its birth said it heartbeats less often)."""
        try:
            with self._write_transaction() as cur:
                cur.execute(
                    self.q(
                        "SELECT gateway FROM gateways WHERE online = 1 AND last_seen < ? - ?"
                        " * GREATEST(COALESCE(keepalive_s, ?), COALESCE(heartbeat_s, 0))"
                    ),
                    (now, factor, default_keepalive_s),
                )
                gone = [row[0] for row in cur.fetchall()]
                if gone:
                    cur.executemany(
                        self.q(
                            "UPDATE gateways SET online = 0, offline_reason = 'timeout',"
                            " offline_at = ? WHERE gateway = ? AND online = 1"
                        ),
                        [(now, gw) for gw in gone],
                    )
        except Exception as exc:
            raise StorageError("marking silent gateways offline", exc) from exc
        return gone

    # -- reads ------------------------------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self.closed:
            raise StorageError("reading", RuntimeError(f"{self.description} is closed"))
        try:
            with self._read_cursor() as cur:
                cur.execute(self.q(sql), params)
                names = [col[0] for col in cur.description]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        except Exception as exc:
            raise StorageError("reading", exc) from exc

    def _latest_bodies(self, stream: str) -> list[Row]:
        rows = self._rows(
            "SELECT m.gateway, COALESCE(g.community, m.gateway) AS community, m.key, m.rev,"
            " m.at, m.clock_synced, m.envelope, m.received_at FROM messages m"
            " LEFT JOIN gateways g ON g.gateway = m.gateway WHERE m.stream = ?"
            " ORDER BY m.gateway, m.key",
            (stream,),
        )
        for row in rows:
            row["body"] = _body(_body(row.pop("envelope")).get("body"))
            row["clock_synced"] = bool(row["clock_synced"])
        return rows

    def gateways(self, now: float) -> list[Row]:
        gateways = self._rows("SELECT * FROM gateways ORDER BY gateway")
        heartbeats: dict[str, Row] = {}
        for row in self._latest_bodies("heartbeat"):
            held = heartbeats.get(row["gateway"])
            if held is None or row["received_at"] > held["received_at"]:
                heartbeats[row["gateway"]] = row
        streams = {
            row["gateway"]: row
            for row in self._rows(
                "SELECT gateway, SUM(received) AS received, SUM(gaps) AS gaps,"
                " SUM(late) AS late FROM streams GROUP BY gateway"
            )
        }
        devices: dict[str, list[int]] = {}
        for row in self._latest_bodies("device-health"):
            counts = devices.setdefault(row["gateway"], [0, 0])
            counts[0] += 1
            if str(row["body"].get("state", "")).lower() not in HEALTHY_DEVICE_STATES:
                counts[1] += 1
        for gw in gateways:
            name = gw["gateway"]
            gw["online"] = bool(gw["online"])
            gw["community"] = gw["community"] or name
            gw["last_seen_age_s"] = round(max(now - gw["last_seen"], 0.0), 3)
            beat = heartbeats.get(name)
            body = beat["body"] if beat else {}
            gw["outbox_depth"] = _number(body.get("outbox_depth"))
            gw["outbox_oldest_age_s"] = _number(body.get("outbox_oldest_age_s"))
            gw["uptime_s"] = _number(body.get("uptime_s"))
            gw["heartbeat_at"] = beat["at"] if beat else None
            counted = streams.get(name, {})
            gw["messages_received"] = int(counted.get("received") or 0)
            gw["seq_gaps"] = int(counted.get("gaps") or 0)
            gw["seq_late"] = int(counted.get("late") or 0)
            total, unhealthy = devices.get(name, [0, 0])
            gw["devices"] = total
            gw["devices_unhealthy"] = unhealthy
        return gateways

    def screenings(self, since: str | None = None, community: str | None = None) -> list[Row]:
        """Sums per community and window (over lanes) from the latest revision of each window."""
        where = ["m.stream = 'lane-window'"]
        params: list[Any] = []
        window = self.json_text("window_start")
        if since:
            where.append(f"{window} >= ?")
            params.append(since)
        if community:
            where.append("COALESCE(g.community, m.gateway) = ?")
            params.append(community)
        sums = ", ".join(
            f"SUM({self.json_num(name)}) AS {name}"
            for name in ("screenings", "admitted", "denied", "rechecks", "overrides")
        )
        rows = self._rows(
            f"SELECT COALESCE(g.community, m.gateway) AS community, {window} AS window_start,"  # noqa: S608 (fragments are constants)
            f" COUNT(*) AS lanes, {sums} FROM messages m"
            " LEFT JOIN gateways g ON g.gateway = m.gateway"
            f" WHERE {' AND '.join(where)}"
            " GROUP BY 1, 2 ORDER BY 2, 1",
            params,
        )
        for row in rows:
            for name in ("screenings", "admitted", "denied", "rechecks", "overrides"):
                value = row[name]
                row[name] = int(value) if value is not None and value == int(value) else value
        return rows

    def _object_sums(self, member: str, label: str, since: str | None) -> list[Row]:
        join, key, value, condition = self.json_members(member)
        params: list[Any] = []
        where = f"m.stream = 'lane-window' AND {condition}"
        if since:
            where += f" AND {self.json_text('window_start')} >= ?"
            params.append(since)
        rows = self._rows(
            f"SELECT COALESCE(g.community, m.gateway) AS community, {key} AS {label},"  # noqa: S608 (fragments are constants)
            f" SUM({value}) AS count FROM messages m {join}"
            f" LEFT JOIN gateways g ON g.gateway = m.gateway WHERE {where}"
            " GROUP BY 1, 2 ORDER BY 1, 3 DESC",
            params,
        )
        for row in rows:
            count = row["count"]
            row["count"] = int(count) if count == int(count) else count
        return rows

    def denial_reasons(self, since: str | None = None) -> list[Row]:
        return self._object_sums("denied_by_reason", "reason", since)

    def temperatures(self, since: str | None = None) -> list[Row]:
        return self._object_sums("temperature_histogram", "bucket", since)

    def stock(self) -> list[Row]:
        out = []
        for row in self._latest_bodies("stock"):
            body = row["body"]
            on_hand = _number(body.get("on_hand"))
            reorder = _number(body.get("reorder_point"))
            out.append(
                {
                    "gateway": row["gateway"],
                    "community": row["community"],
                    "item": str(body.get("item") or row["key"]),
                    "on_hand": on_hand,
                    "unit": body.get("unit") if isinstance(body.get("unit"), str) else None,
                    "days_of_supply": _number(body.get("days_of_supply")),
                    "reorder_point": reorder,
                    "below_reorder": (
                        on_hand is not None and reorder is not None and on_hand <= reorder
                    ),
                    "at": row["at"],
                }
            )
        out.sort(key=lambda r: (r["item"], r["gateway"]))
        return out

    def alerts(self, open_only: bool = True, kind: str | None = None) -> list[Row]:
        out = []
        for row in self._latest_bodies("alert"):
            body = row["body"]
            state = str(body.get("state") or "open").lower()
            if open_only and state in CLOSED_ALERT_STATES:
                continue
            alert_kind = str(body.get("kind") or "")
            if kind and kind.lower() not in alert_kind.lower():
                continue
            severity = str(body.get("severity") or "unknown").lower()
            out.append(
                {
                    "gateway": row["gateway"],
                    "community": row["community"],
                    "alert_id": str(body.get("alert_id") or row["key"]),
                    "kind": alert_kind,
                    "subject": body.get("subject"),
                    "severity": severity,
                    "urgency": SEVERITY_RANK.get(severity, 5),
                    "state": state,
                    "message": body.get("message"),
                    "at": row["at"],
                }
            )
        # Most severe first; within a severity, unacknowledged before acknowledged, oldest first.
        out.sort(key=lambda r: (r["urgency"], r["state"] == "acknowledged", r["at"]))
        return out

    def devices(self) -> list[Row]:
        out = []
        for row in self._latest_bodies("device-health"):
            body = row["body"]
            state = str(body.get("state") or "unknown")
            out.append(
                {
                    "gateway": row["gateway"],
                    "community": row["community"],
                    "device": str(body.get("device") or row["key"]),
                    "kind": body.get("kind"),
                    "state": state,
                    "healthy": state.lower() in HEALTHY_DEVICE_STATES,
                    "reason": body.get("reason"),
                    "at": row["at"],
                }
            )
        return out

    def rejected(self, limit: int = 100) -> list[Row]:
        return self._rows(
            "SELECT id, topic, category, reason, sample, size, received_at FROM rejected"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )

    def acks(self, gateway: str | None = None, limit: int = 100) -> list[Row]:
        sql = "SELECT gateway, command, key, rev, body, at, received_at FROM command_acks"
        params: list[Any] = []
        if gateway:
            sql += " WHERE gateway = ?"
            params.append(gateway)
        rows = self._rows(sql + " ORDER BY received_at DESC LIMIT ?", [*params, limit])
        for row in rows:
            row["body"] = _body(row["body"])
        return rows

    def totals(self) -> Row:
        counts = self._rows(
            "SELECT (SELECT COUNT(*) FROM messages) AS messages,"
            " (SELECT COUNT(*) FROM gateways) AS gateways,"
            " (SELECT COUNT(*) FROM gateways WHERE online = 1) AS gateways_online,"
            " (SELECT COUNT(*) FROM rejected) AS rejected_kept,"
            " (SELECT COALESCE(SUM(gaps), 0) FROM streams) AS seq_gaps,"
            " (SELECT COALESCE(SUM(received), 0) FROM streams) AS received"
        )[0]
        return {name: int(value) for name, value in counts.items()}

    def count_messages(self, stream: str | None = None) -> int:
        if stream is None:
            return int(self._rows("SELECT COUNT(*) AS n FROM messages")[0]["n"])
        return int(
            self._rows("SELECT COUNT(*) AS n FROM messages WHERE stream = ?", (stream,))[0]["n"]
        )

    def message(self, gateway: str, stream: str, key: str) -> Row | None:
        rows = self._rows(
            "SELECT gateway, stream, key, rev, seq, at, clock_synced, envelope, received_at"
            " FROM messages WHERE gateway = ? AND stream = ? AND key = ?",
            (gateway, stream, key),
        )
        if not rows:
            return None
        rows[0]["body"] = _body(_body(rows[0].pop("envelope")).get("body"))
        return rows[0]

    def ping(self) -> None:
        self._rows("SELECT 1 AS one")
