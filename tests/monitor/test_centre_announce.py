"""A monitor whose session is new sees the gateways already connected at once, not at their
next heartbeat: once subscribed it announces itself (retained, ``ccg/v1/dist/all/centre``) and
every gateway that sees a new announcement sends its birth again. Real processes: a Mosquitto,
three simulated gateways running the real uplink (heartbeat one hour), a ``central-monitor``."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from cloud_sync.monitor.storage import open_storage
from cloud_sync.monitor.storage.registry import Entry
from cloud_sync.protocol import CENTRE_TOPIC
from tests.brokers import Mosquitto
from tests.distribution.helpers import new_key, write_public
from tests.monitor.processes import REPO, MonitorProcess

GATEWAYS = ("gw-0001", "gw-0002", "gw-0003")


def births_seen(port: int) -> tuple[paho.Client, set[str]]:
    """A plain subscriber that collects which gateways sent a birth."""
    seen: set[str] = set()
    lock = threading.Lock()
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="birth-watcher")

    def got(_c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        with lock:
            seen.add(msg.topic.split("/")[2])

    client.on_message = got
    client.connect("127.0.0.1", port)
    client.subscribe("ccg/v1/+/birth", qos=1)
    client.loop_start()
    return client, seen


def wait_for(what: str, check: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(0.2)


def test_a_new_monitor_sees_the_connected_gateways_at_once(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path / "broker").start()
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    storage = open_storage(db)
    for gateway in GATEWAYS:
        storage.registry.add(Entry(gateway, "hilltop"), time.time())
    storage.close()
    keys = write_public(new_key(), tmp_path / "keys", "centre-1")
    watcher, births = births_seen(broker.port)
    fleet = subprocess.Popen(
        [sys.executable, "-m", "edge.demo.fleet", "--root", str(tmp_path / "fleet"),
         "--broker", f"127.0.0.1:{broker.port}", "--keys", str(keys), "--count", "3",
         "--prefix", "gw-", "--communities", "hilltop", "--heartbeat", "3600"],
        cwd=REPO, stderr=(tmp_path / "fleet.log").open("wb"),
    )  # fmt: skip
    monitor = MonitorProcess(broker.port, db, tmp_path / "monitor")
    try:
        # Their births went out while no centre listened; the next heartbeat is an hour away.
        wait_for("three births", lambda: len(births) == 3, 60)
        births.clear()
        monitor.start().wait_up()

        def online() -> set[str]:
            return {g["gateway"] for g in monitor.get("/api/gateways").json() if g["online"]}

        wait_for(
            "the three gateways online at the new monitor", lambda: online() == set(GATEWAYS), 30
        )
        assert births == set(GATEWAYS)  # sent again, once the monitor announced itself
        retained = paho.Client(CallbackAPIVersion.VERSION2, client_id="state-reader")
        states: list[bytes] = []
        retained.on_message = lambda _c, _u, msg: states.append(msg.payload)
        retained.connect("127.0.0.1", broker.port)
        retained.subscribe(CENTRE_TOPIC, qos=1)
        retained.loop_start()
        wait_for("the retained announcement", lambda: bool(states), 10)
        retained.loop_stop()
        assert b'"online": true' in states[0]
    finally:
        monitor.stop()
        fleet.terminate()
        fleet.wait(30)
        watcher.loop_stop()
        broker.stop()
