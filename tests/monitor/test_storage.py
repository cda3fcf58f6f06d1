"""The store, on SQLite and PostgreSQL: idempotent upserts, bad input set aside, online/offline."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from cloud_sync.monitor.ingest import classify
from cloud_sync.monitor.storage import Storage
from cloud_sync.protocol import MAX_MESSAGE_BYTES, data_topic
from tests.monitor.helpers import (
    alert_body,
    birth,
    data,
    death,
    device_body,
    envelope,
    heartbeat_body,
    register,
    stock_body,
    window,
    window_body,
)


def ingest(storage: Storage, *messages: tuple[str, bytes], at: float = 1000.0):  # type: ignore[no-untyped-def]
    return storage.writer.apply([classify(topic, payload, at) for topic, payload in messages])


def test_replays_never_double_count(storage: Storage) -> None:
    first = [window("gw-a", "lane1", f"2026-11-29T01:{m:02d}:00Z", 10, 2, seq=m) for m in range(5)]
    result = ingest(storage, *first)
    assert (result.stored, result.duplicates) == (5, 0)
    again = ingest(storage, *first)  # the outbox re-sends everything after a reconnect
    assert (again.stored, again.duplicates) == (0, 5)
    rows = storage.queries.screenings()
    assert sum(r["screenings"] for r in rows) == 50
    assert sum(r["denied"] for r in rows) == 10
    assert storage.queries.count_messages("lane-window") == 5


def test_highest_revision_wins_in_any_order(storage: Storage) -> None:
    newer = data(key="masks", rev=3, seq=3, body=stock_body("masks", on_hand=30))
    older = data(key="masks", rev=2, seq=2, body=stock_body("masks", on_hand=20))
    ingest(storage, newer)
    ingest(storage, older)
    row = storage.queries.message("gw-a", "stock", "masks")
    assert row is not None and row["rev"] == 3 and row["body"]["on_hand"] == 30
    # Within one batch too.
    ingest(
        storage,
        data(key="gloves", rev=5, seq=4, body=stock_body("gloves", on_hand=5)),
        data(key="gloves", rev=4, seq=5, body=stock_body("gloves", on_hand=4)),
    )
    row = storage.queries.message("gw-a", "stock", "gloves")
    assert row is not None and row["rev"] == 5


def test_seq_gaps_are_counted(storage: Storage) -> None:
    ingest(storage, *[data(key=f"k{s}", seq=s) for s in (1, 2, 3, 7, 8)])
    result = ingest(storage, data(key="k11", seq=11))
    assert result.gaps == 2
    [gw] = storage.queries.gateways(now=1000.0)
    assert gw["seq_gaps"] == 3 + 2
    assert gw["messages_received"] == 6


STOCK = envelope().encode()  # a valid stock message of gw-a
HUGE = 2**63 - 1


def stock_with(**fields: object) -> bytes:
    return envelope(body={**stock_body(), **fields}).encode()


BAD_INPUT = [
    ("malformed", data_topic("gw-a", "stock"), STOCK.replace(b'"on_hand":40', b'"on_hand":NaN')),
    ("malformed", data_topic("gw-a", "stock"), b"{not json"),
    ("malformed", data_topic("gw-a", "stock"), b"[1, 2]"),
    ("oversized", data_topic("gw-a", "stock"), b" " * (MAX_MESSAGE_BYTES + 1)),
    ("oversized", data_topic("gw-a", "stock"), STOCK[:-1] + b" " * 20_000 + b"}"),
    ("unknown_version", data_topic("gw-a", "stock"), STOCK.replace(b'"v":1', b'"v":9')),
    ("unknown_version", "ccg/v2/gw-a/data/stock", STOCK),
    ("mismatch", data_topic("gw-b", "stock"), STOCK),
    ("mismatch", data_topic("gw-a", "alert"), STOCK),
    ("invalid", data_topic("gw-a", "stock"), STOCK.replace(b'"rev":1', b'"rev":"1"')),
    ("invalid", data_topic("gw-a", "stock"), STOCK.replace(b'"rev":1', b'"rev":true')),
    ("invalid", data_topic("gw-a", "stock"), STOCK.replace(b'"rev":1', b'"rev":' + b"9" * 30)),
    ("invalid", data_topic("gw-a", "stock"), STOCK.replace(b'"rev":1', b'"rev":%d' % HUGE)),
    ("invalid", data_topic("gw-a", "stock"), envelope(body={}).encode()),
    ("invalid", data_topic("gw-a", "stock"), STOCK.replace(b'"body":{', b'"body":[{')[:-1] + b"]}"),
    ("invalid", data_topic("gw-a", "stock"), stock_with(on_hand=-1)),
    ("invalid", data_topic("gw-a", "stock"), stock_with(on_hand="lots")),
    ("invalid", data_topic("gw-a", "stock"), stock_with(on_hand=True)),
    ("invalid", data_topic("gw-a", "stock"), stock_with(unit="u" * 33)),
    ("invalid", data_topic("gw-a", "stock"), stock_with(extra=1)),
    ("invalid", data_topic("gw-a", "stock"), stock_with(item="gloves")),  # key says masks
    ("invalid", data_topic("gw-a", "stock"), STOCK.replace(b'"at":"2026-', b'"at":"x2026-')),
    ("invalid", data_topic("gw-a", "stock"), STOCK.replace(b'"on_hand":40', b'"on_hand":1e400')),
    ("unknown_stream", data_topic("gw-a", "made-up"), envelope(stream="made-up").encode()),
    ("unknown_stream", "ccg/v1/gw-a/ack/reboot", envelope(stream="ack").encode()),
    ("invalid", "ccg/v1/gw-a/birth", envelope("gw-a", "birth", "gateway").encode()),
    ("bad_topic", "ccg/v1/gw a/data/stock", STOCK),
    ("bad_topic", "ccg/v1/gw-a/unknown", STOCK),
]  # fmt: skip


@pytest.mark.parametrize(("category", "topic", "payload"), BAD_INPUT)
def test_bad_input_is_counted_and_set_aside(
    storage: Storage, category: str, topic: str, payload: bytes
) -> None:
    good = data(key="masks")
    result = ingest(storage, good, (topic, payload), data(key="gloves", seq=2))
    assert [r.category for r in result.rejected] == [category]
    assert result.stored == 2
    [kept] = storage.queries.rejected()
    assert kept["category"] == category and kept["topic"] == topic and kept["reason"]
    assert kept["size"] == len(payload)
    assert len(kept["sample"]) <= 512
    assert storage.queries.count_messages() == 2


def test_values_a_database_refuses_are_set_aside_not_fatal(storage: Storage) -> None:
    # A lone surrogate is valid JSON; neither database can encode it in a key. NUL in a text
    # is valid JSON too; PostgreSQL refuses it, SQLite takes it. Either way nothing crashes,
    # the neighbours are stored and the odd one is set aside.
    body = alert_body("\ud800", message="\u0000")
    odd = {"v": 1, "gw": "gw-a", "stream": "alert", "key": "\ud800", "rev": 1, "seq": 2}
    odd |= {"at": "2026-11-29T02:00:00Z", "clock_synced": True, "body": body}
    result = ingest(
        storage,
        data(key="masks", seq=1),
        (data_topic("gw-a", "alert"), json.dumps(odd).encode()),
        data(key="gloves", seq=3),
    )
    assert result.stored + len(result.rejected) == 3
    assert storage.queries.message("gw-a", "stock", "masks") is not None
    assert storage.queries.message("gw-a", "stock", "gloves") is not None
    assert [r["category"] for r in storage.queries.rejected()] == ["store_refused"]


def test_views_show_what_is_there(storage: Storage) -> None:
    t0 = "2026-11-29T01:00:00Z"
    register(storage, "gw-a", "Riverside")
    ingest(
        storage,
        birth("gw-a", 1, community="Riverside"),
        data("gw-a", "stock", key="masks", body=stock_body("masks", reorder_point=None)),
        data("gw-a", "stock", key="gloves", seq=2, body=stock_body("gloves", 5, "pair", 1.5, 10)),
        data("gw-a", "lane-window", key=f"l1/{t0}", seq=1, body=window_body("l1", t0, 4, 2)),
        data("gw-a", "lane-window", key=f"l2/{t0}", seq=2, body=window_body("l2", t0, 3, 0)),
        data("gw-a", "alert", key="a1", body=alert_body("a1", kind="fever")),
        data("gw-a", "alert", key="a2", seq=2, body=alert_body("a2", severity="critical")),
        data(
            "gw-a", "alert", key="a3", seq=3, body=alert_body("a3", "out", "critical", "resolved")
        ),
        data("gw-a", "alert", key="a4", seq=4, body=alert_body("a4", severity="info")),
        data("gw-a", "heartbeat", key="gateway", body=heartbeat_body(7, 42.5)),
        data("gw-a", "device-health", key="thermo1", body=device_body("thermo1", "silent")),
    )
    stock = {r["item"]: r for r in storage.queries.stock()}
    assert stock["masks"]["reorder_point"] is None and stock["masks"]["community"] == "Riverside"
    assert not stock["masks"]["below_reorder"]
    assert stock["gloves"]["below_reorder"] and stock["gloves"]["days_of_supply"] == 1.5
    [row] = storage.queries.screenings()
    assert row["community"] == "Riverside" and row["lanes"] == 2
    assert (row["screenings"], row["denied"], row["admitted"]) == (7, 2, 5)
    assert storage.queries.denial_reasons() == [
        {
            "community": "Riverside",
            "gateway": None,
            "registered": True,
            "reason": "fever",
            "count": 2,
        }
    ]
    alerts = storage.queries.alerts()
    assert [a["alert_id"] for a in alerts] == ["a2", "a1", "a4"]
    assert [a["alert_id"] for a in storage.queries.alerts(kind="fever")] == ["a1"]
    [gw] = storage.queries.gateways(now=1010.0)
    assert gw["outbox_depth"] == 7 and gw["outbox_oldest_age_s"] == 42.5
    assert gw["devices"] == 1 and gw["devices_unhealthy"] == 1
    assert gw["last_seen_age_s"] == 10.0


def test_death_with_current_bdseq_marks_offline_and_stale_death_is_ignored(
    storage: Storage,
) -> None:
    ingest(storage, birth("gw-a", 4), at=100.0)
    assert storage.queries.gateways(100.0)[0]["online"] is True
    ingest(storage, birth("gw-a", 5), at=101.0)  # reconnected before the broker sent the old will
    result = ingest(storage, death("gw-a", 4), at=102.0)
    assert (result.deaths, result.stale_deaths) == (0, 1)
    [gw] = storage.queries.gateways(102.0)
    assert gw["online"] is True and gw["stale_deaths"] == 1
    result = ingest(storage, death("gw-a", 5), at=103.0)
    assert result.deaths == 1
    [gw] = storage.queries.gateways(103.0)
    assert gw["online"] is False and gw["offline_reason"] == "death"
    # Data after a death does not bring it back: only a birth does.
    ingest(storage, data("gw-a", "stock"), at=104.0)
    assert storage.queries.gateways(104.0)[0]["online"] is False
    ingest(storage, birth("gw-a", 6), at=105.0)
    assert storage.queries.gateways(105.0)[0]["online"] is True


def test_silent_gateway_times_out_after_one_and_a_half_keepalives(storage: Storage) -> None:
    ingest(storage, birth("gw-a", 1, keepalive_s=10), birth("gw-b", 1, keepalive_s=60), at=1000.0)
    assert storage.writer.sweep(now=1014.9, default_keepalive_s=30) == []
    assert storage.writer.sweep(now=1015.1, default_keepalive_s=30) == ["gw-a"]
    gateways = {g["gateway"]: g for g in storage.queries.gateways(1015.1)}
    assert gateways["gw-a"]["online"] is False and gateways["gw-a"]["offline_reason"] == "timeout"
    assert gateways["gw-b"]["online"] is True
    # It speaks again: back online.
    ingest(storage, data("gw-a", "heartbeat", key="gateway", body=heartbeat_body()), at=1020.0)
    assert storage.queries.gateways(1020.0)[0]["online"] is True


def test_migrations_run_once(make_storage: Callable[[], Storage]) -> None:
    first = make_storage()
    ingest(first, data())
    second = make_storage()  # a second monitor on the same database
    assert second.queries.count_messages() == 1


def test_a_slow_heartbeat_named_in_the_birth_stretches_the_timeout(storage: Storage) -> None:
    ingest(storage, birth("gw-a", 1, keepalive_s=10, heartbeat_s=60), at=1000.0)
    assert storage.writer.sweep(now=1089.0, default_keepalive_s=30) == []
    assert storage.writer.sweep(now=1091.0, default_keepalive_s=30) == ["gw-a"]
