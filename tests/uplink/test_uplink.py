"""The uplink end to end against a real Mosquitto and a real SQLite store."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from cloud_sync.policy_signing import generate_keypair, sign_policy
from cloud_sync.uplink import UplinkService, create_router
from edge.checkpoint.queries import record_override
from edge.core.bus import Bus
from edge.core.events import AlertChanged, DecisionOverridden, DeviceStatus, Outcome, StockChanged
from edge.core.store import Store
from tests.brokers import Mosquitto
from tests.mqtt.helpers import wait_until
from tests.uplink.conftest import make_settings
from tests.uplink.helpers import T0, Collector, collecting, gateway_counts, seed


async def drained(service: UplinkService, within: float = 20.0) -> None:
    async def empty() -> bool:
        status = await service.status()
        return status.outbox_depth == 0

    deadline = asyncio.get_running_loop().time() + within
    while not await empty():
        assert asyncio.get_running_loop().time() < deadline, await service.status()
        await asyncio.sleep(0.05)


async def test_windows_alerts_stock_and_health_arrive_without_personal_data(
    tmp_path: Path,
    mosquitto: Mosquitto,
    store: Store,
    collector: Collector,
    run_service: Callable[..., UplinkService],
) -> None:
    store.write_sync(lambda db: seed(db, 600))
    bus = Bus()
    service = run_service(make_settings(tmp_path, mosquitto), store, bus, clock=lambda: T0 + 7200)
    await wait_until(lambda: collector.births != [])
    bus.publish(AlertChanged("a1", "low", "masks", "warning", "open", "masks low", T0))
    bus.publish(DeviceStatus("thermo-1", "thermometer", "connected", "ok", T0))
    bus.publish(StockChanged("masks", 120.0, "pcs", 3.5, 200.0, T0))
    await wait_until(lambda: len(collector.stream("alert")) == 1)
    await wait_until(lambda: len(collector.stream("stock")) == 1)
    await drained(service)
    await wait_until(lambda: collector.lane_counts() == store.read_sync(gateway_counts))
    assert collector.stream("device-health")["thermo-1"]["body"]["state"] == "connected"
    assert collector.stream("stock")["masks"]["body"]["days_of_supply"] == 3.5
    everything = b"".join(m.payload for m in collector.raw)
    assert b"resident-" not in everything and b"RAWCODE" not in everything
    key_file = tmp_path / "keys" / "hmac.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes() not in everything
    window = next(iter(collector.stream("lane-window").values()))["body"]
    assert window["distinct_people"] > 0 and window["window_s"] == 300
    status = (await service.status()).as_dict()
    assert status["connected"] and status["outbox_depth"] == 0 and status["bdseq"] == 1


async def test_late_override_resends_the_window_with_a_higher_rev(
    tmp_path: Path,
    mosquitto: Mosquitto,
    store: Store,
    collector: Collector,
    run_service: Callable[..., UplinkService],
) -> None:
    store.write_sync(lambda db: seed(db, 100, lanes=1, span_s=290))
    bus = Bus()
    service = run_service(make_settings(tmp_path, mosquitto), store, bus, clock=lambda: T0 + 900)
    await wait_until(lambda: len(collector.stream("lane-window")) == 1)
    first = next(iter(collector.stream("lane-window").values()))
    sid, before = store.read_sync(
        lambda db: db.execute(
            "SELECT id, outcome FROM screenings WHERE outcome = 'ADMIT' LIMIT 1"
        ).fetchone()
    )
    store.write_sync(
        lambda db: record_override(
            db, screening_id=sid, at=T0 + 800, user="sup", reason="x", before=before, after="DENY"
        )
    )
    bus.publish(
        DecisionOverridden(sid, "lane-0", T0 + 800, "sup", Outcome.ADMIT, Outcome.DENY, "x")
    )
    await wait_until(lambda: next(iter(collector.stream("lane-window").values()))["rev"] > 1)
    second = next(iter(collector.stream("lane-window").values()))
    assert second["body"]["denied"] == first["body"]["denied"] + 1
    assert second["body"]["overrides"] == 1
    await drained(service)
    assert collector.lane_counts() == store.read_sync(gateway_counts)


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_broker_restart_and_a_small_outbox_lose_nothing(
    tmp_path: Path,
    mosquitto_factory: Callable[..., Mosquitto],
    store: Store,
    run_service: Callable[..., UplinkService],
) -> None:
    # The broker keeps sessions across its restart, like a production one: otherwise whatever it
    # accepts from the uplink before the collector has resubscribed is lost to the collector
    # (not by the uplink, whose rows are deleted on PUBACK), and the counts never match.
    # (``user root``: a broker started as root would switch to a user who cannot write here.)
    broker = mosquitto_factory("persistent", persistence=True, extra="user root").start()
    async with collecting(broker) as collector:
        # 3 lanes x 2 days of 5-minute windows, through an outbox bounded at 300 rows.
        store.write_sync(lambda db: seed(db, 6000, span_s=2 * 86400))
        settings = make_settings(tmp_path, broker, outbox_max_rows=300, max_inflight=50)
        service = run_service(settings, store, clock=lambda: T0 + 3 * 86400)
        await wait_until(lambda: len(collector.stream("lane-window")) > 50)
        broker.stop()
        await asyncio.sleep(0.5)
        broker.start()
        await wait_until(lambda: collector.lane_counts() == store.read_sync(gateway_counts), 40)
        status = await service.status()
        assert status.evicted_total > 0  # the bound was hit, and the windows came back anyway
        await wait_until(lambda: service.bdseq >= 2 and service.bdseq in collector.births)


async def test_unsynchronised_clock_holds_windows_until_time_is_known(
    tmp_path: Path,
    mosquitto: Mosquitto,
    store: Store,
    collector: Collector,
    run_service: Callable[..., UplinkService],
    monkeypatch: object,
) -> None:
    import cloud_sync.uplink.service as service_module

    synced = False

    async def fake_clock_synced(check: str, now: float) -> bool:
        return synced

    monkeypatch.setattr(service_module, "clock_synced", fake_clock_synced)  # type: ignore[attr-defined]
    store.write_sync(lambda db: seed(db, 50, lanes=1, start=300.0, span_s=290))  # 1970
    bus = Bus()
    settings = make_settings(tmp_path, mosquitto, clock_check_interval_s=0.2)
    service = run_service(settings, store, bus, clock=lambda: 3600.0)
    await wait_until(lambda: collector.births != [])
    await wait_until(lambda: service.bdseq >= 1)
    deadline = asyncio.get_running_loop().time() + 20
    while (await service.status()).outbox_held != 1:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    assert collector.stream("lane-window") == {}
    synced = True
    await wait_until(lambda: len(collector.stream("lane-window")) == 1)
    window = next(iter(collector.stream("lane-window").values()))
    assert window["clock_synced"] is False


async def test_signed_policy_is_applied_and_forgeries_refused(
    tmp_path: Path,
    mosquitto: Mosquitto,
    store: Store,
    collector: Collector,
    run_service: Callable[..., UplinkService],
) -> None:
    private, public = generate_keypair()
    other_private, _ = generate_keypair()
    (tmp_path / "centre.pub").write_bytes(public)
    applied: list[dict[str, object]] = []
    settings = make_settings(tmp_path, mosquitto, centre_public_key_file=tmp_path / "centre.pub")
    run_service(settings, store, apply_policy=applied.append, clock=lambda: T0)
    await wait_until(lambda: collector.births != [])
    from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings

    async with MqttClient(MqttSettings(host=mosquitto.host, port=mosquitto.port)) as centre:
        await centre.wait_connected(10)
        good = sign_policy({"version": "7", "fever_c": 37.3}, private, "centre-1")
        await centre.publish("ccg/v1/gw-a/cmd/policy", good)
        await wait_until(lambda: applied == [{"version": "7", "fever_c": 37.3}])
        await centre.publish(
            "ccg/v1/gw-a/cmd/policy", sign_policy({"version": "8"}, other_private, "centre-1")
        )
        await centre.publish("ccg/v1/gw-a/cmd/policy", b'{"version": "9"}')
        await centre.publish("ccg/v1/gw-a/cmd/policy", good)  # a replay: already in force

    def acks() -> list[dict[str, object]]:
        return [v["body"] for v in collector.stream("ack").values()]

    await wait_until(lambda: len(acks()) == 3 and any(a["status"] == "unchanged" for a in acks()))
    statuses = sorted((a["status"], a["ok"]) for a in acks())
    assert statuses == [("refused", False), ("refused", False), ("unchanged", True)]
    assert applied == [{"version": "7", "fever_c": 37.3}]
    reasons = {a["reason"] for a in acks() if a["status"] == "refused"}
    assert "bad signature" in reasons


async def test_router_reports_status(
    tmp_path: Path,
    mosquitto: Mosquitto,
    store: Store,
    run_service: Callable[..., UplinkService],
) -> None:
    import fastapi
    import httpx

    service = run_service(make_settings(tmp_path, mosquitto), store, clock=lambda: T0)
    app = fastapi.FastAPI()
    app.include_router(create_router(service))
    await wait_until(lambda: service.client is not None and service.client.connected.is_set())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        body = (await http.get("/api/uplink")).json()
    assert body["gateway"] == "gw-a" and "outbox_depth" in body and "outbox_oldest_age_s" in body
