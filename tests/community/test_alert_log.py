"""The community's alert log, which the uplink follows: what it sends, what a restart reads
back as still open, and what is forgotten after the retention period."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from edge.community import alerts
from edge.community.schema import MIGRATIONS
from edge.core.events import AlertChanged
from edge.core.store import Store

DAY = 86400.0
NOW = 1_800_000_000.0


def _log(db: sqlite_utils.Database, *changes: AlertChanged) -> None:
    for change in changes:
        db.execute(*alerts.log_statement(change))


def test_the_log_sends_every_transition_keeps_open_ones_and_forgets_old_ones(
    tmp_path: Path,
) -> None:
    def alert(alert_id: str, state: str, at: float) -> AlertChanged:
        return AlertChanged(alert_id, "unstaffed-lane", "in", "warning", state, "m", at)

    with Store(tmp_path / "gateway.db", [MIGRATIONS]) as store:
        store.write_sync(
            lambda db: _log(
                db,
                alert("a", "open", NOW - 30 * DAY),
                alert("a", "resolved", NOW - 29 * DAY),  # an old episode, over
                alert("b", "open", NOW - 20 * DAY),  # old, still open
                alert("c", "open", NOW - DAY),
                alert("c", "resolved", NOW - DAY + 60),
                alert("d", "open", NOW - 60),
            )
        )
        sent, cursor = store.read_sync(lambda db: alerts.alert_feed().changes(db, 0, 100))
        assert [(key, body["state"]) for _stream, key, body in sent] == [
            ("a", "open"), ("a", "resolved"), ("b", "open"), ("c", "open"), ("c", "resolved"),
            ("d", "open"),
        ]  # fmt: skip
        assert store.read_sync(lambda db: alerts.alert_feed().changes(db, cursor, 100)) == (
            [],
            cursor,
        )
        assert [a.alert_id for a in store.read_sync(alerts.open_alerts)] == ["b", "d"]
        forgotten = store.write_sync(lambda db: alerts.purge_log(db, NOW - 14 * DAY))
        assert forgotten == 2  # a's two; b's open transition is kept however old
        assert [a.alert_id for a in store.read_sync(alerts.open_alerts)] == ["b", "d"]
        left = store.read_sync(
            lambda db: db.execute("SELECT alert_id, state FROM community_alert_log").fetchall()
        )
        assert left == [("b", "open"), ("c", "open"), ("c", "resolved"), ("d", "open")]
