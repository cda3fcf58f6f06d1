"""No stored row can make a read fail: rows an older monitor stored before bodies were checked.

The rows are written straight into the tables, as a monitor without the schema check would
have stored them: numbers too large for a double, sums past 2^63, negative counts, words where
numbers belong, bodies that are not objects, infinite keep-alives. Every query of the catalogue
and every read route still answers, and counts outside 0..MAX_COUNT are not summed.
"""

# ruff: noqa: S608 - the test writes rows the way an older monitor did, values included

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cloud_sync.monitor.app import create_app
from cloud_sync.monitor.storage import Storage
from tests.monitor.helpers import window_body
from tests.monitor.logins import as_viewer, settings_with_users

T0 = "2026-11-29T01:00:00Z"
BIG = 2**63 - 1


def envelope(stream: str, key: str, body: Any, *, literal: dict[str, str] | None = None) -> str:
    text = json.dumps(
        {
            "v": 1,
            "gw": "gw-old",
            "stream": stream,
            "key": key,
            "rev": 1,
            "seq": 1,
            "at": T0,
            "clock_synced": True,
            "body": body,
        }
    )
    for placeholder, value in (literal or {}).items():
        text = text.replace(f'"{placeholder}"', value)
    return text


ROWS = [
    ("lane-window", "l1", envelope("lane-window", "l1", {**window_body("l1", T0, 10, 2),
     "screenings": "HUGE"}, literal={"HUGE": "1e400"})),
    ("lane-window", "l2", envelope("lane-window", "l2", {**window_body("l2", T0, 0, 0),
     "screenings": BIG, "denied_by_reason": {"fever": BIG}})),
    ("lane-window", "l3", envelope("lane-window", "l3", {**window_body("l3", T0, 0, 0),
     "screenings": BIG, "denied_by_reason": {"fever": BIG, "x": "HUGE"},
     "temperature_histogram": {"36.5": "HUGE"}}, literal={"HUGE": "1e400"})),
    ("lane-window", "l4", envelope("lane-window", "l4", {**window_body("l4", T0, 7, 1),
     "rechecks": -5})),
    ("lane-window", "l5", envelope("lane-window", "l5", [1, 2])),
    ("lane-window", "l6", envelope("lane-window", "l6", {"window_start": ["x"],
     "denied_by_reason": [1]})),
    ("stock", "masks", envelope("stock", "masks", {"item": "masks", "on_hand": "HUGE",
     "reorder_point": -1}, literal={"HUGE": "-1e400"})),
    ("stock", "gloves", envelope("stock", "gloves", {"item": {"a": 1}, "on_hand": "lots"})),
    ("heartbeat", "gateway", envelope("heartbeat", "gateway", {"outbox_depth": "HUGE",
     "uptime_s": -3}, literal={"HUGE": "1e400"})),
    ("alert", "a1", envelope("alert", "a1", {"severity": 3, "state": ["open"], "kind": None})),
    ("device-health", "d1", envelope("device-health", "d1", {"state": {"x": 1}})),
    ("made-up", "k", envelope("made-up", "k", "text")),
]  # fmt: skip


def store_legacy_rows(storage: Storage) -> None:
    d = storage.backend.dialect
    p = d.param
    insert = (
        "INSERT INTO messages (gateway, stream, key, rev, seq, at, clock_synced, envelope,"
        f" received_at) VALUES ('gw-old', {p}, {p}, 1, 1, '{T0}', 1, {d.json_param}, 100)"
    )
    infinite = "9e999" if d.name == "sqlite" else "'Infinity'"
    with storage.backend.write_transaction() as cur:
        cur.executemany(insert, [(stream, key, text) for stream, key, text in ROWS])
        cur.execute(
            "INSERT INTO gateways (gateway, community, online, bdseq, keepalive_s, first_seen,"
            f" last_seen) VALUES ('gw-old', 'Old', 1, {BIG}, {infinite}, 1, 100)"
        )
        cur.executemany(
            f"INSERT INTO streams VALUES ('gw-old', {p}, {BIG}, {BIG}, {BIG}, {BIG})",
            [("lane-window",), ("stock",), ("alert",)],
        )


def test_rows_stored_before_bodies_were_checked_never_fail_a_read(
    storage: Storage, tmp_path: Path
) -> None:
    store_legacy_rows(storage)
    q = storage.queries
    [window] = [r for r in q.screenings() if r["window_start"] == T0]
    # Nothing outside 0..MAX_COUNT is summed: only lane l4's 7 screenings count, its -5
    # rechecks do not, the denials of l1 (2) and l4 (1) do.
    assert (window["screenings"], window["denied"], window["rechecks"]) == (7, 3, 0)
    assert all(r["count"] <= 1_000_000_000 for r in q.denial_reasons())
    assert all(r["count"] <= 1_000_000_000 for r in q.temperatures())
    stock = {r["item"]: r for r in q.stock()}
    assert stock["masks"]["on_hand"] is None
    [gw] = q.gateways(now=200.0)
    assert gw["keepalive_s"] is None and gw["outbox_depth"] is None
    assert gw["messages_received"] >= BIG  # summed wide, not overflowed
    assert q.totals()["seq_gaps"] >= BIG
    assert q.alerts(open_only=False)[0]["severity"] == "3"
    assert q.devices()[0]["state"] == "{'x': 1}"

    app = create_app(settings_with_users(tmp_path), storage=storage, clock=lambda: 200.0)
    with TestClient(app, headers=as_viewer()) as client:
        for route in (
            "/api/summary",
            "/api/gateways",
            "/api/screenings",
            "/api/denials",
            "/api/temperatures",
            "/api/stock",
            "/api/alerts?include_closed=true",
            "/api/devices",
            "/metrics",
        ):
            answer = client.get(route)
            assert answer.status_code == 200, f"{route}: {answer.text[:300]}"
