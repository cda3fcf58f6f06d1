"""A hostile gateway against a real ``central-monitor`` process and a real Mosquitto.

It sends, on every stream, numbers that are not finite, too large for a database, negative
where nothing can be negative, wrongly typed, too long or too many. Afterwards every read route
of the centre answers 200, the honest gateway's figures are exact, and each hostile message is
in ``rejected`` with its reason. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from cloud_sync.monitor.storage import open_storage
from cloud_sync.protocol import Envelope, birth_topic, data_topic
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.monitor.helpers import (
    AT,
    alert_body,
    device_body,
    heartbeat_body,
    stock_body,
    wait_until,
    window,
    window_body,
)
from tests.monitor.processes import MonitorProcess

T0 = "2026-11-29T01:00:00.000Z"
READ_ROUTES = [
    "/",
    "/api/summary",
    "/api/gateways",
    "/api/screenings",
    "/api/denials",
    "/api/temperatures",
    "/api/stock",
    "/api/alerts",
    "/api/alerts?include_closed=true",
    "/api/devices",
    "/api/rejected?limit=1000",
    "/api/acks",
    "/metrics",
    "/healthz",
]
BIG = 2**63 - 1


def raw(stream: str, key: str, body: dict[str, Any], seq: int, **replace: str) -> tuple[str, bytes]:
    """An envelope from gw-evil; ``replace`` swaps a placeholder text for raw JSON (1e400)."""
    text = Envelope("gw-evil", stream, key, 1, seq, AT, True, body).encode().decode()
    for placeholder, literal in replace.items():
        text = text.replace(f'"{placeholder}"', literal)
    topic = birth_topic("gw-evil") if stream == "birth" else data_topic("gw-evil", stream)
    return topic, text.encode()


def hostile() -> list[tuple[str, str, bytes]]:
    """(what it tries, topic, payload)"""
    w = window_body("l1", T0, 10, 0)
    cases: list[tuple[str, dict[str, Any], str, dict[str, str]]] = [
        ("a count of 1e400", {**w, "screenings": "HUGE"}, "l1/" + T0, {"HUGE": "1e400"}),
        ("2^63-1 in one lane", {**window_body("l2", T0, 0, 0), "screenings": BIG}, "l2/" + T0, {}),
        ("2^63-1 in another", {**window_body("l3", T0, 0, 0), "screenings": BIG}, "l3/" + T0, {}),
        ("a negative count", {**window_body("l4", T0, 5, 0), "denied": -5}, "l4/" + T0, {}),
        (
            "a histogram of 5000 buckets",
            {
                **window_body("l5", T0, 5, 0),
                "temperature_histogram": {f"{n}.0": 0 for n in range(5000)},
            },
            "l5/" + T0,
            {},
        ),
        (
            "a reason that is not a count",
            window_body("l6", T0, 1, 1, {"fever": "x"}),
            "l6/" + T0,
            {},
        ),  # type: ignore[dict-item]
    ]
    out = [
        (what, *raw("lane-window", key, body, n + 1, **rep))
        for n, (what, body, key, rep) in enumerate(cases)
    ]
    birth = {"bdseq": 1, "keepalive_s": "HUGE", "software": "x"}
    out += [
        ("negative stock", *raw("stock", "masks", stock_body(on_hand=-3), 1)),
        ("stock as words", *raw("stock", "gloves", {**stock_body("gloves"), "on_hand": "lots"}, 2)),
        ("stock of 1e400", *raw("stock", "gowns", {**stock_body("gowns"), "on_hand": "HUGE"}, 3,
                                HUGE="1e400")),
        ("a negative outbox", *raw("heartbeat", "gateway", heartbeat_body(outbox_depth=-1), 1)),
        ("a device state list", *raw("device-health", "t1", {**device_body("t1"), "state": [1]},
                                     1)),
        ("a 20 KiB alert", *raw("alert", "a1", alert_body("a1", message="x" * 20_000), 1)),
        ("a severity number", *raw("alert", "a2", {**alert_body("a2"), "severity": 3}, 2)),
        ("a keep-alive of 1e400", *raw("birth", "gateway", birth, 1, HUGE="1e400")),
    ]  # fmt: skip
    return out


def honest() -> list[tuple[str, bytes]]:
    def message(stream: str, key: str, body: dict[str, Any]) -> tuple[str, bytes]:
        envelope = Envelope("gw-honest", stream, key, 1, 1, AT, True, body)
        return data_topic("gw-honest", stream), envelope.encode()

    return [
        window("gw-honest", "l1", T0, 20, 3, seq=1, reasons={"fever": 2, "red-code": 1}),
        window("gw-honest", "l2", T0, 10, 1, seq=2),
        message("stock", "masks", stock_body(on_hand=7)),
        message("heartbeat", "gateway", heartbeat_body(outbox_depth=2)),
    ]


@pytest.mark.slow
async def test_a_hostile_gateway_cannot_blank_the_dashboard(
    mosquitto: Mosquitto, store_url: str, tmp_path: Path
) -> None:
    monitor = MonitorProcess(mosquitto.port, store_url, tmp_path).start()
    storage = None
    try:
        await asyncio.to_thread(monitor.wait_up)
        attacks = hostile()
        async with MqttClient(MqttSettings(port=mosquitto.port, client_id="sender")) as client:
            await client.wait_connected(10)
            for _what, topic, payload in attacks:
                await client.publish(topic, payload)
            for topic, payload in honest():  # the heartbeat is last: when it is in, all are
                await client.publish(topic, payload)
        storage = open_storage(store_url)
        queries = storage.queries
        await wait_until(
            lambda: queries.message("gw-honest", "heartbeat", "gateway") is not None, 60
        )

        for route in READ_ROUTES:
            answer = await asyncio.to_thread(monitor.get, route)
            assert answer.status_code == 200, f"{route}: {answer.status_code} {answer.text[:300]}"

        screenings = monitor.get("/api/screenings").json()
        honest_rows = [r for r in screenings if "gw-honest" in json.dumps(r) or r["lanes"] == 2]
        assert [(r["screenings"], r["denied"]) for r in honest_rows] == [(30, 4)]
        assert all(
            r["screenings"] is None or 0 <= r["screenings"] <= 1_000_000_000 for r in screenings
        )
        [stock] = [s for s in monitor.get("/api/stock").json() if s["gateway"] == "gw-honest"]
        assert stock["on_hand"] == 7
        evil_stock = [s for s in monitor.get("/api/stock").json() if s["gateway"] == "gw-evil"]
        assert evil_stock == []
        gateways = {g["gateway"]: g for g in monitor.get("/api/gateways").json()}
        assert gateways["gw-honest"]["outbox_depth"] == 2
        assert gateways.get("gw-evil", {}).get("outbox_depth") is None

        rejected = monitor.get("/api/rejected?limit=1000").json()
        evil = [r for r in rejected if "/gw-evil/" in r["topic"]]
        assert len(evil) == len(attacks), [r["reason"] for r in evil]
        assert all(r["category"] in ("invalid", "oversized") and r["reason"] for r in evil)
        assert not [r for r in rejected if "/gw-honest/" in r["topic"]]
    finally:
        monitor.stop()
        if storage is not None:
            storage.close()
