"""REST routes against the real checkpoint and store: screenings, overrides and their audit,
errors, devices, lanes, policy, health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from edge.checkpoint.checkpoint import Checkpoint
from edge.core.events import DecisionOverridden
from edge.web import WebSettings, create_app
from edge.web.app import ROUTES
from tests.gate import Gate
from tests.web.conftest import login, screen


def test_screenings_list_filter_and_page(client: TestClient, gate: Gate) -> None:
    screen(client, gate, "north")
    screen(client, gate, "south", colour="red")
    screen(client, gate, "north", temperature=38.1)
    login(client, "sam")
    rows = client.get("/api/screenings").json()
    assert [r["id"] for r in rows] == [3, 2, 1]
    assert rows[1]["reason"] == "code red" and rows[1]["outcome"] == "DENY"
    assert rows[0]["reason"] == "fever 38.1 °C" and rows[0]["rule"] == "fever"
    assert rows[2]["outcome"] == "ADMIT" and rows[2]["temperature"] == 36.6
    assert [r["id"] for r in client.get("/api/screenings?lane=north").json()] == [3, 1]
    assert [r["id"] for r in client.get("/api/screenings?before_id=3&limit=1").json()] == [2]
    assert client.get("/api/screenings/2").json()["lane"] == "south"
    missing = client.get("/api/screenings/99")
    assert missing.status_code == 404 and missing.json() == {"detail": "no screening 99"}
    assert client.get("/api/screenings?limit=0").status_code == 422


def test_staff_cannot_override(client: TestClient, gate: Gate) -> None:
    screen(client, gate, "north", temperature=37.8)
    login(client, "sam")
    response = client.post("/api/screenings/1/override", json={"outcome": "ADMIT", "reason": "x"})
    assert response.status_code == 403
    assert "supervisor" in response.json()["detail"]
    assert client.get("/api/overrides").json() == []
    assert client.get("/api/screenings/1").json()["outcome"] == "DENY"


def test_supervisor_override_is_audited(
    client: TestClient, gate: Gate, service: Checkpoint
) -> None:
    screen(client, gate, "north", temperature=37.8)
    sub = service.bus.subscribe()
    login(client, "sue")
    response = client.post(
        "/api/screenings/1/override",
        json={"outcome": "admit", "reason": "  re-measured: 36.9 °C with the spare thermometer "},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["outcome"], body["decided_outcome"]) == ("ADMIT", "DENY")
    assert body["override_user"] == "sue"
    audit = client.get("/api/overrides").json()
    assert len(audit) == 1
    entry = audit[0]
    assert (entry["screening_id"], entry["user"], entry["before"], entry["after"]) == (
        1,
        "sue",
        "DENY",
        "ADMIT",
    )
    assert entry["reason"] == "re-measured: 36.9 °C with the spare thermometer"
    assert client.get("/api/overrides?screening_id=1").json() == audit
    assert client.get("/api/overrides?screening_id=2").json() == []
    event = sub.get_nowait()
    assert isinstance(event, DecisionOverridden) and event.user == "sue"
    # the lane's counts follow the decision in force
    lanes = {lane["id"]: lane for lane in client.get("/api/lanes").json()}
    assert lanes["north"]["counts_today"] == {"ADMIT": 1, "DENY": 0, "RECHECK": 0, "total": 1}
    # staff may read the audit trail too
    client.post("/api/logout")
    login(client, "sam")
    assert client.get("/api/overrides").json() == audit


def test_override_errors_are_clear(client: TestClient, gate: Gate) -> None:
    screen(client, gate, "north", colour="red")
    login(client, "sue")

    def override(sid: int, **body: str) -> tuple[int, str]:
        r = client.post(f"/api/screenings/{sid}/override", json=body)
        return r.status_code, r.json()["detail"]

    assert override(42, outcome="ADMIT", reason="x") == (404, "no screening 42")
    assert override(1, outcome="MAYBE", reason="x") == (
        400,
        "outcome must be one of ADMIT, DENY, RECHECK",
    )
    assert override(1, outcome="ADMIT", reason="   ") == (400, "an override needs a reason")
    assert override(1, outcome="DENY", reason="same") == (400, "the decision is already DENY")
    assert client.get("/api/overrides").json() == []
    assert client.post("/api/screenings/1/override", json={"reason": "x"}).status_code == 422


def test_devices_lanes_policy(client: TestClient, gate: Gate, service: Checkpoint) -> None:
    screen(client, gate, "north", colour="red")
    login(client, "sam")
    devices = {d["id"]: d for d in client.get("/api/devices").json()}
    assert devices["north-scanner"]["state"] == "silent"
    assert devices["south-scanner"]["rejected"] == {"bad frame": 2}
    lanes = {lane["id"]: lane for lane in client.get("/api/lanes").json()}
    assert lanes["north"]["counts_today"] == {"ADMIT": 0, "DENY": 1, "RECHECK": 0, "total": 1}
    assert lanes["north"]["name"] == "North gate"
    policy = client.get("/api/policy").json()
    assert policy["version"] == service.current_policy.version and policy["source"] == "file"


def test_policy_reload_is_for_supervisors(client: TestClient, gate: Gate) -> None:
    login(client, "sam")
    assert client.post("/api/policy/reload").status_code == 403
    client.post("/api/logout")
    login(client, "sue")
    gate.policy_file.write_text("fever_threshold_c = 38.0\n")
    reloaded = client.post("/api/policy/reload").json()
    assert reloaded["fever_threshold_c"] == 38.0
    gate.policy_file.write_text("fever_threshold_c = 99.0\n")
    response = client.post("/api/policy/reload")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "policy.toml" in detail and "fever_threshold_c" in detail
    assert client.get("/api/policy").json()["version"] == reloaded["version"]  # unchanged


def test_health_needs_no_login_and_summarises_devices(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["devices"] == {"total": 4, "connected": 2, "silent": 1, "unplugged": 1}
    assert body["lanes"] == 2


def test_openapi_lists_every_route_and_docs_work_offline(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 401  # the API reference is behind login
    login(client, "sam")
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/login",
        "/api/logout",
        "/api/me",
        "/api/screenings",
        "/api/screenings/{screening_id}",
        "/api/screenings/{screening_id}/override",
        "/api/overrides",
        "/api/devices",
        "/api/lanes",
        "/api/policy",
        "/api/policy/reload",
        "/api/live",
        "/healthz",
    ]:
        assert path in paths, path
    docs = client.get("/docs").text
    assert "/openapi.json" in docs and '<script src="http' not in docs
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    response = client.get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    assert "http://" not in page and "https://" not in page  # nothing from outside the gateway


def test_every_route_is_in_the_documented_list(client: TestClient) -> None:
    login(client, "sam")
    paths = client.get("/openapi.json").json()["paths"]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    pages = {("GET", "/"), ("GET", "/docs")}  # not API routes, so not in the schema
    assert served | pages == set(ROUTES)
    for method, path in pages:
        assert client.request(method, path).status_code == 200


def test_nav_links_to_mounted_routers(settings: WebSettings, service: Checkpoint) -> None:
    storeroom = APIRouter()

    @storeroom.get("/storeroom", response_class=HTMLResponse)
    async def page() -> str:
        return "<p>storeroom</p>"

    with TestClient(create_app(settings, service, routers=[storeroom])) as client:
        assert 'href="/storeroom"' in client.get("/").text
        assert client.get("/storeroom").text == "<p>storeroom</p>"
    with TestClient(create_app(settings, service)) as client:
        assert 'href="/storeroom"' not in client.get("/").text
    app = create_app(settings, service, nav_links=[("Uplink <status>", "/uplink")])
    with TestClient(app) as client:
        assert '<a href="/uplink" data-i18n>Uplink &lt;status&gt;</a>' in client.get("/").text
