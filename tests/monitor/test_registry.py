"""The centre's registry of gateways, against a real ``central-monitor`` and a real Mosquitto.

A gateway's community is what the centre registered, never what its birth claims; a gateway
nobody registered is held apart (its own group, marked unregistered) or refused, as configured;
made-up streams are refused; a gateway flooding distinct keys is capped, the excess refused and
counted. The registry is managed with ``central-monitor gateways ...``. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cloud_sync.monitor.storage import open_storage
from cloud_sync.protocol import data_topic
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.monitor.helpers import birth, data, envelope, stock_body, wait_until, window
from tests.monitor.processes import REPO, MonitorProcess

T0 = "2026-11-29T01:00:00Z"


def gateways(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``central-monitor gateways ARGS --db DB`` as a process."""
    command = [sys.executable, "-m", "cloud_sync.monitor.cli", "gateways", *args, "--db", db]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)


def test_the_registry_from_the_command_line(store_url: str) -> None:
    added = gateways(store_url, "add", "gw-a", "--community", "Riverside", "--name", "North gate")
    assert added.returncode == 0, added.stderr
    assert "gw-a" in added.stdout and "Riverside" in added.stdout
    again = gateways(store_url, "add", "gw-a", "--community", "Hilltop")
    assert again.returncode == 1 and "already registered" in again.stderr
    assert gateways(store_url, "add", "gw b", "--community", "X").returncode == 2
    assert gateways(store_url, "add", "gw-b", "--community", "Hilltop").returncode == 0
    moved = gateways(store_url, "set", "gw-b", "--community", "Lakeside", "--name", "Lake gate")
    assert moved.returncode == 0, moved.stderr
    listed = gateways(store_url, "list", "--json")
    assert listed.returncode == 0
    rows = {r["gateway"]: r for r in json.loads(listed.stdout)["registered"]}
    assert rows["gw-a"]["community"] == "Riverside" and rows["gw-a"]["display_name"] == "North gate"
    assert rows["gw-b"]["community"] == "Lakeside" and rows["gw-b"]["display_name"] == "Lake gate"
    table = gateways(store_url, "list")
    assert "North gate" in table.stdout and "Lakeside" in table.stdout
    assert gateways(store_url, "remove", "gw-b").returncode == 0
    gone = gateways(store_url, "remove", "gw-b")
    assert gone.returncode == 1 and "not registered" in gone.stderr
    assert gateways(store_url, "set", "gw-zz", "--community", "X").returncode == 1


@pytest.mark.slow
async def test_a_gateway_cannot_speak_for_another_community_or_grow_the_database(
    mosquitto: Mosquitto, store_url: str, tmp_path: Path
) -> None:
    for gw, community in (("gw-a", "Riverside"), ("gw-b", "Hilltop"), ("gw-flood", "Flood")):
        assert gateways(store_url, "add", gw, "--community", community).returncode == 0
    monitor = MonitorProcess(
        mosquitto.port, store_url, tmp_path / "hold", "--max-keys-per-gateway", "50"
    ).start()
    storage = open_storage(store_url)
    try:
        await asyncio.to_thread(monitor.wait_up)
        async with MqttClient(MqttSettings(port=mosquitto.port, client_id="sender")) as client:
            await client.wait_connected(10)
            messages = [
                birth("gw-a", 1, community="Hilltop"),  # claims another community
                window("gw-a", "l1", T0, 20, 2, seq=1),
                birth("gw-b", 1, community="Hilltop"),
                window("gw-b", "l1", T0, 5, 1, seq=1),
                birth("gw-x", 1, community="Riverside"),  # nobody registered it
                window("gw-x", "l1", T0, 1000, 900, seq=1),
            ]
            messages += [
                (data_topic("gw-a", f"made-up-{n}"), envelope("gw-a", f"made-up-{n}").encode())
                for n in range(20)
            ]
            messages += [
                data("gw-flood", key=f"item-{n}", seq=n + 1, body=stock_body(f"item-{n}"))
                for n in range(80)
            ]
            # At the cap, a new revision of a key already stored is still taken.
            newer = stock_body("item-0", on_hand=1)
            messages.append(data("gw-flood", key="item-0", rev=2, seq=81, body=newer))
            messages.append(window("gw-b", "l1", "2026-11-29T01:05:00Z", 1, 0, seq=2))  # last
            for topic, payload in messages:
                await client.publish(topic, payload)
        await wait_until(
            lambda: (
                storage.queries.message("gw-b", "lane-window", "l1/2026-11-29T01:05:00Z")
                is not None
            ),
            60,
        )

        screenings = monitor.get("/api/screenings").json()
        by_group = {
            (r["community"], r["gateway"]): r for r in screenings if r["window_start"] == T0
        }
        assert by_group[("Riverside", None)]["screenings"] == 20  # gw-x's 1000 are not in it
        assert by_group[("Hilltop", None)]["screenings"] == 5  # gw-a's claim changes nothing
        assert by_group[(None, "gw-x")]["screenings"] == 1000  # held apart, on its own
        assert by_group[(None, "gw-x")]["registered"] is False

        listed = {g["gateway"]: g for g in monitor.get("/api/gateways").json()}
        assert listed["gw-a"]["community"] == "Riverside"
        assert listed["gw-a"]["claimed_community"] == "Hilltop"
        assert listed["gw-x"]["registered"] is False and listed["gw-x"]["community"] is None
        assert listed["gw-flood"]["keys"] == 50 and listed["gw-flood"]["keys_refused"] == 30

        stock = {s["item"]: s for s in monitor.get("/api/stock").json()}
        assert len([s for s in stock.values() if s["gateway"] == "gw-flood"]) == 50
        assert stock["item-0"]["on_hand"] == 1
        metrics = monitor.get("/metrics").text
        assert 'ccg_gateway_keys_refused_total{gateway="gw-flood"} 30.0' in metrics
        assert 'ccg_gateway_keys{gateway="gw-flood"} 50.0' in metrics
        assert 'ccg_monitor_messages_rejected_total{reason="key_limit"} 30.0' in metrics
        assert 'ccg_monitor_messages_rejected_total{reason="unknown_stream"} 20.0' in metrics
        assert storage.queries.count_messages() == 3 + 50 + 1  # windows, stock, the last window
        registry = monitor.get("/api/registry").json()
        assert {r["gateway"] for r in registry} == {"gw-a", "gw-b", "gw-flood"}
    finally:
        monitor.stop()

    # The same centre told to refuse gateways nobody registered.
    refusing = MonitorProcess(
        mosquitto.port, store_url, tmp_path / "refuse", "--unknown-gateways", "refuse"
    ).start()
    try:
        await asyncio.to_thread(refusing.wait_up)
        async with MqttClient(MqttSettings(port=mosquitto.port, client_id="sender")) as client:
            await client.wait_connected(10)
            await client.publish(*birth("gw-y", 1, community="Riverside"))
            await client.publish(*window("gw-y", "l1", T0, 7, 0, seq=1))
            await client.publish(*window("gw-a", "l2", T0, 3, 0, seq=2))  # last
        await wait_until(
            lambda: storage.queries.message("gw-a", "lane-window", f"l2/{T0}") is not None, 60
        )
        assert storage.queries.message("gw-y", "lane-window", f"l1/{T0}") is None
        assert "gw-y" not in {g["gateway"] for g in refusing.get("/api/gateways").json()}
        refused = [r for r in refusing.get("/api/rejected").json() if "/gw-y/" in r["topic"]]
        assert [r["category"] for r in refused] == ["unregistered", "unregistered"]
        assert "central-monitor gateways add gw-y" in refused[0]["reason"]
    finally:
        refusing.stop()
        storage.close()
