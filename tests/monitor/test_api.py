"""The REST API, /metrics and /healthz through FastAPI's TestClient, over a real store."""

from __future__ import annotations

import argparse
from pathlib import Path

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from cloud_sync.monitor.app import create_app
from cloud_sync.monitor.cli import build_parser
from cloud_sync.monitor.ingest import classify
from cloud_sync.monitor.service import IngestStats
from cloud_sync.monitor.storage import Storage
from tests.monitor.helpers import (
    alert_body,
    birth,
    data,
    death,
    heartbeat_body,
    register,
    stock_body,
    window,
)
from tests.monitor.logins import as_viewer, settings_with_users


def fill(storage: Storage, stats: IngestStats) -> None:
    register(storage, "gw-a", "Riverside", "North gate")
    register(storage, "gw-never", "Lakeside")  # registered, has not reported yet
    messages = [
        birth("gw-a", 1, community="Riverside"),
        birth("gw-b", 1),
        death("gw-b", 1),
        window(
            "gw-a", "l1", "2026-11-29T01:00:00Z", 20, 3, seq=1, reasons={"fever": 2, "red code": 1}
        ),
        window("gw-a", "l2", "2026-11-29T01:00:00Z", 10, 1, seq=2, reasons={"fever": 1}),
        window("gw-a", "l1", "2026-11-29T01:05:00Z", 15, 0, seq=3),
        data("gw-a", "stock", key="masks", seq=4, body=stock_body("masks", 40, "box", 2.5, 50)),
        data(
            "gw-a",
            "alert",
            key="fever-1",
            seq=5,
            body=alert_body("fever-1", "fever", "critical", message="38.4 °C at lane 1"),
        ),
        data("gw-a", "heartbeat", key="gateway", seq=6, body=heartbeat_body(3, 12.0, 100)),
        ("ccg/v1/gw-a/data/stock", b"\xff\xfe garbage"),
    ]
    result = storage.writer.apply([classify(t, p, 1000.0) for t, p in messages])
    stats.received += len(messages)
    stats.add(result)


def client_for(storage: Storage, folder: Path) -> TestClient:
    stats = IngestStats()
    fill(storage, stats)
    settings = settings_with_users(folder)
    app = create_app(settings, storage=storage, stats=stats, clock=lambda: 1010.0)
    return TestClient(app, headers=as_viewer())


def test_rest_api(storage: Storage, tmp_path: Path) -> None:
    with client_for(storage, tmp_path) as client:
        gateways = {g["gateway"]: g for g in client.get("/api/gateways").json()}
        assert gateways["gw-a"]["online"] is True and gateways["gw-a"]["community"] == "Riverside"
        assert gateways["gw-a"]["outbox_depth"] == 3 and gateways["gw-a"]["last_seen_age_s"] == 10
        assert gateways["gw-b"]["online"] is False
        assert gateways["gw-b"]["registered"] is False and gateways["gw-b"]["community"] is None
        assert gateways["gw-a"]["display_name"] == "North gate"
        assert gateways["gw-never"]["offline_reason"] == "never seen"
        assert gateways["gw-never"]["community"] == "Lakeside"
        registry = client.get("/api/registry").json()
        assert [(r["gateway"], r["seen"]) for r in registry] == [
            ("gw-a", True),
            ("gw-never", False),
        ]

        windows = client.get("/api/screenings").json()
        assert [(w["window_start"], w["screenings"], w["denied"]) for w in windows] == [
            ("2026-11-29T01:00:00Z", 30, 4),
            ("2026-11-29T01:05:00Z", 15, 0),
        ]
        later = client.get("/api/screenings", params={"since": "2026-11-29T01:05:00Z"}).json()
        assert len(later) == 1
        assert client.get("/api/screenings", params={"community": "nowhere"}).json() == []

        denials = client.get("/api/denials").json()
        assert denials == [
            {
                "community": "Riverside",
                "gateway": None,
                "registered": True,
                "reason": "fever",
                "count": 3,
            },
            {
                "community": "Riverside",
                "gateway": None,
                "registered": True,
                "reason": "red code",
                "count": 1,
            },
        ]
        temps = {t["bucket"]: t["count"] for t in client.get("/api/temperatures").json()}
        assert temps == {"36.5": 41, "38.0": 4}

        [stock] = client.get("/api/stock").json()
        assert stock["item"] == "masks" and stock["below_reorder"] is True

        [alert] = client.get("/api/alerts", params={"kind": "fever"}).json()
        assert alert["alert_id"] == "fever-1" and alert["urgency"] == 0

        [rejected] = client.get("/api/rejected").json()
        assert rejected["category"] == "malformed"

        summary = client.get("/api/summary").json()
        assert summary["totals"]["gateways_online"] == 1
        assert summary["instance"]["rejected"] == {"malformed": 1}


def test_metrics_and_health(storage: Storage, tmp_path: Path) -> None:
    with client_for(storage, tmp_path) as client:
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert "ccg_monitor_messages_received_total 10.0" in text
        assert 'ccg_monitor_messages_rejected_total{reason="malformed"} 1.0' in text
        assert 'ccg_gateway_online{gateway="gw-a"} 1.0' in text
        assert 'ccg_gateway_online{gateway="gw-b"} 0.0' in text
        assert 'ccg_gateway_outbox_depth{gateway="gw-a"} 3.0' in text
        assert "ccg_monitor_database_up 1.0" in text
        assert client.get("/healthz").json()["ok"] is True
        page = client.get("/", headers={"Accept-Language": "en"})
        assert page.status_code == 200 and "Central monitor" in page.text
        assert "__REFRESH_MS__" not in page.text


def test_database_down_is_503_not_a_crash(storage: Storage, tmp_path: Path) -> None:
    with client_for(storage, tmp_path) as client:
        storage.close()
        assert client.get("/healthz").status_code == 503
        assert client.get("/api/gateways").status_code == 503
        assert "ccg_monitor_database_up 0.0" in client.get("/metrics").text


def test_every_route_and_command_is_documented(tmp_path: Path) -> None:
    app = create_app(settings_with_users(tmp_path, db="sqlite:///unused.db"), storage=None)
    for route in app.routes:
        if isinstance(route, APIRoute):
            assert route.description.strip(), f"{route.path} has no description"
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        assert sub.description, f"command {name} has no description"
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings} has no help"
