"""The storeroom router through FastAPI's TestClient, on a real store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import FastAPI, Header, HTTPException
from fastapi.testclient import TestClient

from edge.core.bus import Bus
from edge.core.store import Store
from edge.storeroom import MIGRATIONS, StoreroomService, create_router, web
from edge.storeroom.settings import (
    ItemSettings,
    ModbusBusSettings,
    MqttSettings,
    ShelfSettings,
    StoreroomSettings,
)
from firmware_interfaces.events import ShelfWeight
from tests.storeroom.conftest import FakeClock

SETTINGS = StoreroomSettings(
    items=(
        ItemSettings(
            key="gloves",
            name="Nitrile gloves",
            unit="box",
            unit_weight_kg=0.5,
            shelf="s1",
            lead_time_days=3,
            minimum=5,
        ),
        ItemSettings(key="kits", unit="kit", unit_weight_kg=0.05, lead_time_days=7),
    ),
    shelves=(
        ShelfSettings(key="s1", source="mqtt"),
        ShelfSettings(key="s2", source="modbus", bus="b", address=3),
    ),
    buses=(ModbusBusSettings(key="b", port="/dev/does-not-exist"),),
    mqtt=MqttSettings(),
)


def user_from_header(x_user: Annotated[str | None, Header()] = None) -> str:
    if not x_user:
        raise HTTPException(401, "log in")
    return x_user


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[TestClient, StoreroomService, FakeClock]]:
    clock = FakeClock()
    with Store(tmp_path / "gw.db", [MIGRATIONS]) as store:
        service = StoreroomService(SETTINGS, store, Bus(), clock=clock)
        service.load()
        app = FastAPI()
        app.include_router(create_router(service, require_user=user_from_header))
        # Every route needs a user; "ana" and "ben" below act, this one only looks.
        with TestClient(app, headers={"X-User": "viewer"}) as client:
            yield client, service, clock


def put(service: StoreroomService, clock: FakeClock, kg: float) -> None:
    for _ in range(50):
        service.handle("s1", ShelfWeight(kg))
        clock.advance(0.1)


def test_every_route_is_documented() -> None:
    app_routes = set()
    svc = object.__new__(StoreroomService)
    for route in create_router(svc).routes:
        for method in getattr(route, "methods", set()) - {"HEAD"}:
            app_routes.add((method, route.path))  # type: ignore[attr-defined]
    assert app_routes == set(web.ROUTES)
    doc = web.__doc__ or ""
    for method, path in web.ROUTES:
        assert re.search(rf"``{method}\s+{re.escape(path)}", doc), (method, path)


def test_page_is_self_contained(rig: tuple[TestClient, StoreroomService, FakeClock]) -> None:
    client, _service, _clock = rig
    page = client.get("/storeroom")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    external = re.findall(r"""(?:src|href)=["']?(https?:)?//""", page.text)
    assert external == []  # no CDN: the gateway has no internet
    assert 'name="viewport"' in page.text and "/api/storeroom" in page.text


def test_read_endpoints(rig: tuple[TestClient, StoreroomService, FakeClock]) -> None:
    client, service, clock = rig
    put(service, clock, 10.0)  # 20 boxes
    items = {i["key"]: i for i in client.get("/api/storeroom/items").json()}
    assert items["gloves"]["on_hand"] == 20 and items["gloves"]["status"] == "ok"
    assert items["gloves"]["reorder_point"] == 5  # the minimum, until there are 2 days of data
    assert items["kits"]["on_hand"] is None and items["kits"]["status"] == "unknown"
    sensors = {s["key"]: s for s in client.get("/api/storeroom/sensors").json()}
    assert sensors["s1"]["state"] == "ok" and sensors["s1"]["value"] == 10.0
    assert sensors["s2"]["state"] == "starting"
    trend = client.get("/api/storeroom/items/gloves/trend", params={"days": 1}).json()
    assert [p[1] for p in trend["points"]] == [20.0]
    assert client.get("/api/storeroom/items/nope/trend").status_code == 404
    assert client.get("/api/storeroom/items/gloves/trend?days=1000").status_code == 422


def test_ack_and_order_flow(rig: tuple[TestClient, StoreroomService, FakeClock]) -> None:
    client, service, clock = rig
    put(service, clock, 10.0)
    put(service, clock, 2.0)  # 4 boxes: below the minimum of 5
    alerts = client.get("/api/storeroom/alerts").json()
    assert [(a["kind"], a["state"]) for a in alerts] == [("low", "open")]
    alert_id = alerts[0]["alert_id"]
    nobody = {"X-User": ""}
    assert client.post(f"/api/storeroom/alerts/{alert_id}/ack", headers=nobody).status_code == 401
    assert client.get("/api/storeroom/alerts", headers=nobody).status_code == 401
    acked = client.post(f"/api/storeroom/alerts/{alert_id}/ack", headers={"X-User": "ana"})
    assert acked.status_code == 200
    assert acked.json()["state"] == "acknowledged" and acked.json()["acknowledged_by"] == "ana"
    order = client.post(
        "/api/storeroom/orders",
        json={"item": "gloves", "quantity": 10, "alert_id": alert_id},
        headers={"X-User": "ana"},
    )
    assert order.status_code == 200 and order.json()["projected"] == 14
    assert client.get("/api/storeroom/alerts").json() == []  # resolved by the order
    history = client.get("/api/storeroom/alerts", params={"history": True}).json()
    assert history[0]["alert_id"] == alert_id and history[0]["state"] == "resolved"
    missing = client.post("/api/storeroom/alerts/low:x:1/ack", headers={"X-User": "ana"})
    assert missing.status_code == 404


def test_counts_deliveries_and_errors(
    rig: tuple[TestClient, StoreroomService, FakeClock],
) -> None:
    client, _service, _clock = rig
    who = {"X-User": "ben"}
    r = client.post("/api/storeroom/counts", json={"item": "kits", "count": 40}, headers=who)
    assert r.status_code == 200 and r.json()["on_hand"] == 40
    r = client.post("/api/storeroom/deliveries", json={"item": "kits", "quantity": 10}, headers=who)
    assert r.status_code == 200 and r.json()["on_hand"] == 50
    assert (
        client.post(
            "/api/storeroom/counts", json={"item": "kits", "count": -1}, headers=who
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/storeroom/counts", json={"item": "nope", "count": 1}, headers=who
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/storeroom/orders", json={"item": "kits", "quantity": 0}, headers=who
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/storeroom/counts", json={"item": "kits", "count": 1, "x": 1}, headers=who
        ).status_code
        == 422
    )
    # Commands go to Modbus shelves only, and to known shelves.
    assert client.post("/api/storeroom/shelves/s1/tare", headers=who).status_code == 409
    assert client.post("/api/storeroom/shelves/s9/tare", headers=who).status_code == 404
    assert client.post("/api/storeroom/shelves/s2/explode", headers=who).status_code == 422
    assert client.post("/api/storeroom/shelves/s2/tare", headers=who).status_code == 409
