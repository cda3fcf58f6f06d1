"""Fever alerts, raised at the centre from the lane windows the gateways send.

A community whose gateways denied at least ``threshold`` people for fever in the last
``window_s`` seconds (the ``fever`` member of each lane window's ``denied_by_reason``, over the
windows that started in that time) has an open fever alert; it is resolved once the count in
the window falls below the threshold again. An unregistered gateway is judged on its own, never
counted for a community (as every figure of the dashboard). Only counts are kept: no person,
code or lane.

One row per community (``fever_alerts``, keyed by ``community:NAME`` or ``gateway:ID``): its
state, when it was last opened, the count now and its peak, how often it was raised. The writer
runs :func:`evaluate` in the transaction that stored lane windows, and in every sweep (so an
alert resolves as the windows age out even when nothing new arrives). Several monitors on one
PostgreSQL may evaluate at once: each statement is an upsert on the row's key.
"""

# ruff: noqa: S608 - the statements are built from the dialect's constant fragments; values are always parameters

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cloud_sync.monitor.storage.backend import Cursor
from cloud_sync.monitor.storage.dialect import Dialect
from edge.core.words import N_

#: the rule's name in a lane window's denied_by_reason (edge.rules.policy.RULES)
FEVER_REASON = "fever"
#: what the dashboard says of an open fever alert (translated on the page: edge/i18n)
MESSAGE = N_("fever denials in the last {minutes} min: {fevers} (alert at {threshold})")


@dataclass(frozen=True, slots=True)
class FeverRule:
    """When a community's fever denials make an alert."""

    threshold: int = 3  # fever denials in the window that raise an alert
    window_s: float = 3600.0  # how far back they are counted


@dataclass(frozen=True, slots=True)
class FeverSql:
    counts: str  # per group: fever denials in lane windows that started at or after a time
    current: str  # every row: its key and state
    open_new: str  # (key, community, gateway, fevers, peak, threshold, window_s, now, now)
    reopen: str  # (fevers, peak, threshold, window_s, now, now, key): a resolved row again
    update: str  # (fevers, fevers, now, key) an open row's count
    resolve: str  # (fevers, now, now, key)


def fever_sql(d: Dialect) -> FeverSql:
    p = d.param
    members = d.members_of("denied_by_reason")
    return FeverSql(
        counts=(
            "SELECT reg.community AS community,"
            " CASE WHEN reg.gateway IS NULL THEN m.gateway END AS gateway,"
            f" SUM({members.value}) AS fevers"
            f" FROM messages m {members.join} LEFT JOIN registry reg ON reg.gateway = m.gateway"
            f" WHERE m.stream = 'lane-window' AND {members.condition}"
            f" AND {members.key} = {p} AND {d.text_at('window_start')} >= {p}"
            " GROUP BY 1, 2"
        ),
        current="SELECT alert_key, state FROM fever_alerts",
        open_new=(
            "INSERT INTO fever_alerts (alert_key, community, gateway, state, fevers, peak,"
            " threshold, window_s, opened_at, updated_at, raised)"
            f" VALUES ({p}, {p}, {p}, 'open', {p}, {p}, {p}, {p}, {p}, {p}, 1)"
            " ON CONFLICT (alert_key) DO NOTHING"
        ),
        reopen=(
            f"UPDATE fever_alerts SET state = 'open', fevers = {p}, peak = {p},"
            f" threshold = {p}, window_s = {p}, opened_at = {p}, updated_at = {p},"
            f" resolved_at = NULL, raised = raised + 1 WHERE alert_key = {p} AND state <> 'open'"
        ),
        update=(
            f"UPDATE fever_alerts SET fevers = {p}, peak = {d.greatest}(peak, {p}),"
            f" updated_at = {p} WHERE alert_key = {p} AND state = 'open'"
        ),
        resolve=(
            f"UPDATE fever_alerts SET state = 'resolved', fevers = {p}, updated_at = {p},"
            f" resolved_at = {p} WHERE alert_key = {p} AND state = 'open'"
        ),
    )


def alert_key(community: str | None, gateway: str | None) -> str:
    return f"community:{community}" if community is not None else f"gateway:{gateway}"


def _iso(ts: float) -> str:
    # The uplink's own form of a window's start (cloud_sync.uplink.outbox.iso): text that
    # sorts as time does.
    moment = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def evaluate(cur: Cursor, sql: FeverSql, rule: FeverRule, now: float) -> tuple[int, int]:
    """Open, update and resolve fever alerts as the counts are now; (opened, resolved)."""
    cur.execute(sql.counts, (FEVER_REASON, _iso(now - rule.window_s)))
    counts = {
        alert_key(community, gateway): (community, gateway, int(fevers or 0))
        for community, gateway, fevers in cur.fetchall()
    }
    cur.execute(sql.current)
    states: dict[str, str] = {row[0]: row[1] for row in cur.fetchall()}
    opened = resolved = 0
    for key, (community, gateway, fevers) in sorted(counts.items()):
        if fevers < rule.threshold:
            continue
        state = states.get(key)
        if state == "open":
            cur.execute(sql.update, (fevers, fevers, now, key))
            continue
        if state is None:
            cur.execute(
                sql.open_new,
                (key, community, gateway, fevers, fevers, rule.threshold, rule.window_s, now, now),
            )
        else:
            cur.execute(sql.reopen, (fevers, fevers, rule.threshold, rule.window_s, now, now, key))
        opened += cur.rowcount > 0
    for key, state in sorted(states.items()):
        fevers = counts.get(key, (None, None, 0))[2]
        if state == "open" and fevers < rule.threshold:
            cur.execute(sql.resolve, (fevers, now, now, key))
            resolved += cur.rowcount > 0
    return opened, resolved
