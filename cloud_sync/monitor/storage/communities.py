"""The communities as the centre sees them (issue 11): which gates are staffed, from each
gateway's ``lane-duty`` stream, and the daily reports (``daily-report``) rolled up by street
and district, as the registry places each community.

Reads only, on the backend's reader connection. The day's sums are made in SQL per community
(from the latest revision of each gateway's report of that day: a report is keyed by its day);
the street, district and overall totals add those rows up. A gateway nobody registered is held
apart, on its own, in no street or district, as everywhere at the centre.
"""

# ruff: noqa: S608 - the queries are built from the dialect's constant fragments; values are always parameters

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from cloud_sync.monitor.storage import views
from cloud_sync.monitor.storage.backend import Backend, Row, read_rows
from cloud_sync.schemas import DAILY_REPORT_COUNTS

#: the daily report's counts, summed up the levels
FIGURES = DAILY_REPORT_COUNTS
REGISTRY = "LEFT JOIN registry reg ON reg.gateway = m.gateway"
#: whose a row is: the registry's community, street and district, or an unregistered gateway
WHOSE = (
    "reg.district AS district, reg.street AS street, reg.community AS community,"
    " CASE WHEN reg.gateway IS NULL THEN m.gateway END AS gateway"
)


class Communities:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.dialect = backend.dialect

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return read_rows(self.backend, "reading", sql, params)

    # -- gates on duty --------------------------------------------------------------------------
    def gates(self, community: str | None = None) -> list[Row]:
        """Per community (registered first, then each unregistered gateway on its own): its
        gateways, each lane's direction, whether someone is signed in and whether its devices
        work. A gateway offline says so: what it last said of its lanes may be out of date."""
        p = self.dialect.param
        where = "m.stream = 'lane-duty'"
        params: list[Any] = []
        if community:
            where += f" AND reg.community = {p}"
            params.append(community)
        rows = self._rows(
            f"SELECT {WHOSE}, m.gateway AS sender, reg.display_name, m.key AS lane,"
            " m.envelope, m.at, COALESCE(g.online, 0) AS online FROM messages m"
            f" {REGISTRY} LEFT JOIN gateways g ON g.gateway = m.gateway WHERE {where}"
            " ORDER BY m.gateway, m.key",
            params,
        )
        groups: dict[tuple[str | None, str | None], Row] = {}
        for row in rows:
            body = views.body_of(views.body_of(row.pop("envelope")).get("body"))
            key = (row["community"], row["gateway"])
            group = groups.setdefault(key, _group(row))
            gateway = next((g for g in group["gateways"] if g["gateway"] == row["sender"]), None)
            if gateway is None:
                gateway = {
                    "gateway": row["sender"],
                    "display_name": row["display_name"] or "",
                    "online": bool(row["online"]),
                    "lanes": [],
                }
                group["gateways"].append(gateway)
            staffed, active = body.get("staffed") is True, body.get("active") is True
            staff = views.number(body.get("staff"))
            gateway["lanes"].append(
                {
                    "lane": str(row["lane"]),
                    "direction": str(body.get("direction") or "both"),
                    "staffed": staffed,
                    "active": active,
                    "staff": int(staff) if isinstance(staff, int) else 0,
                    "changed_at": body.get("changed_at") or row["at"],
                    # working devices and nobody signed in: what the duty officer chases
                    "unstaffed": active and not staffed,
                }
            )
        out = list(groups.values())
        for group in out:
            lanes = [lane for g in group["gateways"] for lane in g["lanes"]]
            group["lanes"] = len(lanes)
            group["lanes_staffed"] = sum(lane["staffed"] for lane in lanes)
            group["lanes_unstaffed"] = sum(lane["unstaffed"] for lane in lanes)
            group["gateways_offline"] = sum(not g["online"] for g in group["gateways"])
        out.sort(key=views.group_order)
        return out

    # -- the daily report rolled up ---------------------------------------------------------------
    def daily(self, day: str) -> Row:
        """The day's reports: per community, then per street, per district, and in all."""
        d, p = self.dialect, self.dialect.param
        sums = ", ".join(f"SUM({d.count_at(name)}) AS {name}" for name in FIGURES)
        rows = self._rows(
            f"SELECT {WHOSE}, COUNT(*) AS gateways, {sums} FROM messages m {REGISTRY}"
            f" WHERE m.stream = 'daily-report' AND m.key = {p} GROUP BY 1, 2, 3, 4",
            (day,),
        )
        reasons = self._denials(day)
        communities = []
        for row in rows:
            row["registered"] = row["community"] is not None
            row["street"], row["district"] = row["street"] or "", row["district"] or ""
            for name in FIGURES:
                row[name] = int(views.whole(row[name]) or 0)
            row["denied_by_reason"] = reasons.get((row["community"], row["gateway"]), {})
            communities.append(row)
        communities.sort(key=lambda r: (*_place(r), *views.group_order(r)))
        registered = [r for r in communities if r["registered"]]
        streets = _roll_up(registered, ("district", "street"))
        districts = _roll_up(registered, ("district",))
        return {
            "day": day,
            "communities": communities,
            "streets": streets,
            "districts": districts,
            "total": _roll_up(communities, ())[0] if communities else _empty(()),
        }

    def _denials(self, day: str) -> dict[tuple[str | None, str | None], dict[str, int]]:
        d = self.dialect
        members = d.members_of("denied_by_reason")
        rows = self._rows(
            f"SELECT reg.community AS community, CASE WHEN reg.gateway IS NULL THEN m.gateway"
            f" END AS gateway, {members.key} AS reason, SUM({members.value}) AS count"
            f" FROM messages m {members.join} {REGISTRY} WHERE m.stream = 'daily-report'"
            f" AND m.key = {d.param} AND {members.condition} GROUP BY 1, 2, 3",
            (day,),
        )
        found: dict[tuple[str | None, str | None], dict[str, int]] = {}
        for row in rows:
            reasons = found.setdefault((row["community"], row["gateway"]), {})
            reasons[str(row["reason"])] = int(views.whole(row["count"]) or 0)
        return found

    def days(self, limit: int = 31) -> list[str]:
        """The days some gateway has reported, newest first."""
        p = self.dialect.param
        rows = self._rows(
            "SELECT DISTINCT key FROM messages WHERE stream = 'daily-report'"
            f" ORDER BY key DESC LIMIT {p}",
            (limit,),
        )
        return [str(row["key"]) for row in rows]


def _group(row: Row) -> Row:
    registered = row["community"] is not None
    return {
        "community": row["community"],
        "gateway": row["gateway"],  # only for an unregistered gateway, held apart
        "registered": registered,
        "street": (row["street"] or "") if registered else "",
        "district": (row["district"] or "") if registered else "",
        "gateways": [],
    }


def _place(row: Row) -> tuple[bool, str, str]:
    # Registered communities by district and street (those without a place last), then the
    # unregistered gateways.
    return (not row["registered"], row["district"] or "\uffff", row["street"] or "\uffff")


def _empty(level: tuple[str, ...], values: Iterable[str] = ()) -> Row:
    row: Row = dict(zip(level, values, strict=True))
    row.update({"communities": 0, "gateways": 0, "denied_by_reason": {}})
    row.update(dict.fromkeys(FIGURES, 0))
    return row


def _roll_up(rows: list[Row], level: tuple[str, ...]) -> list[Row]:
    """The rows summed per ``level`` (``("district", "street")``, ``("district",)``, or
    ``()`` for one total), in the rows' order."""
    out: dict[tuple[str, ...], Row] = {}
    for row in rows:
        key = tuple(row[name] for name in level)
        total = out.setdefault(key, _empty(level, key))
        total["communities"] += 1
        total["gateways"] += row["gateways"]
        for name in FIGURES:
            total[name] += row[name]
        reasons: Counter[str] = Counter(total["denied_by_reason"])
        reasons.update(row["denied_by_reason"])
        total["denied_by_reason"] = dict(sorted(reasons.items()))
    return list(out.values())
