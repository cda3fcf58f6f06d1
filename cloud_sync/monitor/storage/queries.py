"""The query catalogue: every read the dashboard, the REST API and /metrics make.

Reads use the backend's reader connection, never the writer's, so they do not wait behind a
batch. Sums are made in SQL from the latest revision of each message; the shaping of rows for
people is in :mod:`.views`.
"""

# ruff: noqa: S608 - the queries are built from the dialect's constant fragments; values are always parameters

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from cloud_sync.monitor.storage import views
from cloud_sync.monitor.storage.backend import Backend, Row, read_rows

WINDOW_COUNTS = ("screenings", "admitted", "denied", "rechecks", "overrides")
# Whose figures a row of messages is: the community the registry gives its gateway or, for a
# gateway nobody registered, that gateway alone (held apart, never merged into a community,
# whatever its birth claims).
REGISTRY = "LEFT JOIN registry reg ON reg.gateway = m.gateway"
GROUP = "reg.community AS community, CASE WHEN reg.gateway IS NULL THEN m.gateway END AS gateway"


class Queries:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.dialect = backend.dialect

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return read_rows(self.backend, "reading", sql, params)

    def _latest_bodies(self, stream: str) -> list[Row]:
        p = self.dialect.param
        rows = self._rows(
            "SELECT m.gateway, reg.community, reg.display_name, m.key, m.rev,"
            " m.at, m.clock_synced, m.envelope, m.received_at FROM messages m"
            f" {REGISTRY} WHERE m.stream = {p} ORDER BY m.gateway, m.key",
            (stream,),
        )
        for row in rows:
            row["body"] = views.body_of(views.body_of(row.pop("envelope")).get("body"))
            row["clock_synced"] = bool(row["clock_synced"])
            row["registered"] = row["community"] is not None
        return rows

    def gateways(self, now: float) -> list[Row]:
        d = self.dialect
        gateways = self._rows(
            "SELECT g.*, r.community AS registered_community, r.display_name FROM gateways g"
            " LEFT JOIN registry r ON r.gateway = g.gateway"
        )
        never = self._rows(
            "SELECT r.gateway, r.community, r.display_name FROM registry r"
            " LEFT JOIN gateways g ON g.gateway = r.gateway WHERE g.gateway IS NULL"
        )
        heartbeats: dict[str, Row] = {}
        for row in self._latest_bodies("heartbeat"):
            held = heartbeats.get(row["gateway"])
            if held is None or row["received_at"] > held["received_at"]:
                heartbeats[row["gateway"]] = row
        streams = {
            row["gateway"]: row
            for row in self._rows(
                f"SELECT gateway, {d.wide_sum('received')} AS received,"
                f" {d.wide_sum('gaps')} AS gaps, {d.wide_sum('late')} AS late"
                " FROM streams GROUP BY gateway"
            )
        }
        devices: Counter[str] = Counter()
        unhealthy: Counter[str] = Counter()
        for row in self._latest_bodies("device-health"):
            devices[row["gateway"]] += 1
            if not views.healthy(str(row["body"].get("state", ""))):
                unhealthy[row["gateway"]] += 1
        out = [
            views.gateway_row(
                gw,
                now,
                heartbeats.get(name),
                streams.get(name, {}),
                (devices[name], unhealthy[name]),
            )
            for gw in gateways
            for name in (gw["gateway"],)
        ]
        out += [views.never_seen_row(row) for row in never]
        out.sort(key=lambda g: g["gateway"])
        return out

    def screenings(self, since: str | None = None, community: str | None = None) -> list[Row]:
        """Sums per community and window (over lanes) from the latest revision of each window."""
        d = self.dialect
        where = ["m.stream = 'lane-window'"]
        params: list[Any] = []
        window = d.text_at("window_start")
        if since:
            where.append(f"{window} >= {d.param}")
            params.append(since)
        if community:
            where.append(f"reg.community = {d.param}")
            params.append(community)
        sums = ", ".join(f"SUM({d.count_at(name)}) AS {name}" for name in WINDOW_COUNTS)
        rows = self._rows(
            f"SELECT {GROUP}, {window} AS window_start, COUNT(*) AS lanes, {sums}"
            f" FROM messages m {REGISTRY} WHERE {' AND '.join(where)} GROUP BY 1, 2, 3",
            params,
        )
        for row in rows:
            row["registered"] = row["gateway"] is None
            for name in WINDOW_COUNTS:
                row[name] = views.whole(row[name])
        rows.sort(key=lambda r: (str(r["window_start"]), *views.group_order(r)))
        return rows

    def _object_sums(self, member: str, label: str, since: str | None) -> list[Row]:
        d = self.dialect
        members = d.members_of(member)
        params: list[Any] = []
        where = f"m.stream = 'lane-window' AND {members.condition}"
        if since:
            where += f" AND {d.text_at('window_start')} >= {d.param}"
            params.append(since)
        rows = self._rows(
            f"SELECT {GROUP}, {members.key} AS {label}, SUM({members.value}) AS count"
            f" FROM messages m {members.join} {REGISTRY} WHERE {where} GROUP BY 1, 2, 3",
            params,
        )
        for row in rows:
            row["registered"] = row["gateway"] is None
            row["count"] = views.whole(row["count"])
        rows.sort(key=lambda r: (*views.group_order(r), -r["count"], str(r[label])))
        return rows

    def denial_reasons(self, since: str | None = None) -> list[Row]:
        return self._object_sums("denied_by_reason", "reason", since)

    def temperatures(self, since: str | None = None) -> list[Row]:
        return self._object_sums("temperature_histogram", "bucket", since)

    def stock(self) -> list[Row]:
        out = [views.stock_row(row) for row in self._latest_bodies("stock")]
        out.sort(key=lambda r: (r["item"], r["gateway"]))
        return out

    def alerts(self, open_only: bool = True, kind: str | None = None) -> list[Row]:
        """The gateways' alerts and the fever alerts the centre raised, most urgent first."""
        out = []
        for row in self._latest_bodies("alert"):
            alert = views.alert_row(row)
            if open_only and alert["state"] in views.CLOSED_ALERT_STATES:
                continue
            if kind and kind.lower() not in alert["kind"].lower():
                continue
            out.append(alert)
        if not kind or kind.lower() in "fever":
            out += self.fever_alerts(open_only=open_only)
        out.sort(key=views.alert_order)
        return out

    def fever_alerts(self, open_only: bool = True) -> list[Row]:
        """The fever alerts raised here (storage/fever.py): open ones, or all with their
        last state; newest first."""
        where = " WHERE state = 'open'" if open_only else ""
        rows = self._rows(
            "SELECT alert_key, community, gateway, state, fevers, peak, threshold, window_s,"
            f" opened_at, updated_at, resolved_at, raised FROM fever_alerts{where}"
            " ORDER BY opened_at DESC"
        )
        return [views.fever_alert_row(row) for row in rows]

    def devices(self) -> list[Row]:
        return [views.device_row(row) for row in self._latest_bodies("device-health")]

    def rejected(self, limit: int = 100) -> list[Row]:
        return self._rows(
            "SELECT id, topic, category, reason, sample, size, received_at FROM rejected"
            f" ORDER BY id DESC LIMIT {self.dialect.param}",
            (limit,),
        )

    def acks(self, gateway: str | None = None, limit: int = 100) -> list[Row]:
        p = self.dialect.param
        sql = "SELECT gateway, command, key, rev, body, at, received_at FROM command_acks"
        params: list[Any] = []
        if gateway:
            sql += f" WHERE gateway = {p}"
            params.append(gateway)
        rows = self._rows(sql + f" ORDER BY received_at DESC LIMIT {p}", [*params, limit])
        for row in rows:
            row["body"] = views.body_of(row["body"])
        return rows

    def totals(self) -> Row:
        wide_sum = self.dialect.wide_sum
        counts = self._rows(
            "SELECT (SELECT COUNT(*) FROM messages) AS messages,"
            " (SELECT COUNT(*) FROM gateways) AS gateways,"
            " (SELECT COUNT(*) FROM registry) AS registered,"
            " (SELECT COUNT(*) FROM gateways WHERE online = 1) AS gateways_online,"
            " (SELECT COUNT(*) FROM rejected) AS rejected_kept,"
            f" (SELECT COALESCE({wide_sum('gaps')}, 0) FROM streams) AS seq_gaps,"
            f" (SELECT COALESCE({wide_sum('received')}, 0) FROM streams) AS received"
        )[0]
        return {name: int(value) for name, value in counts.items()}

    def count_messages(self, stream: str | None = None) -> int:
        if stream is None:
            return int(self._rows("SELECT COUNT(*) AS n FROM messages")[0]["n"])
        sql = f"SELECT COUNT(*) AS n FROM messages WHERE stream = {self.dialect.param}"
        return int(self._rows(sql, (stream,))[0]["n"])

    def message(self, gateway: str, stream: str, key: str) -> Row | None:
        p = self.dialect.param
        rows = self._rows(
            "SELECT gateway, stream, key, rev, seq, at, clock_synced, envelope, received_at"
            f" FROM messages WHERE gateway = {p} AND stream = {p} AND key = {p}",
            (gateway, stream, key),
        )
        if not rows:
            return None
        rows[0]["body"] = views.body_of(views.body_of(rows[0].pop("envelope")).get("body"))
        return rows[0]

    def ping(self) -> None:
        self._rows("SELECT 1 AS one")
