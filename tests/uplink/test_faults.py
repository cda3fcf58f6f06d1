"""The uplink process killed mid-drain and restarted: the centre sees the gateway's counts."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cloud_sync.protocol import decode
from cloud_sync.uplink import UplinkService
from edge.core.bus import Bus
from edge.core.events import AlertChanged
from tests.brokers import Mosquitto
from tests.mqtt.helpers import wait_until
from tests.uplink.conftest import make_settings
from tests.uplink.helpers import T0, Collector, gateway_counts, open_store, seed
from tests.uplink.link import Link

RUNNER = Path(__file__).with_name("run_uplink.py")


def start(db: Path, broker: Mosquitto, keydir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), str(db), str(broker.port), str(keydir), str(T0 + 3 * 86400)],
        stdout=subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_sigkill_mid_drain_then_restart(
    tmp_path: Path, mosquitto: Mosquitto, collector: Collector
) -> None:
    db = tmp_path / "gw.db"
    store = open_store(db)
    store.write_sync(lambda db_: seed(db_, 8000, lanes=4, span_s=2 * 86400))
    expected = store.read_sync(gateway_counts)
    store.close()

    def windows() -> int:
        return len(collector.stream("lane-window"))

    child = start(db, mosquitto, tmp_path)
    try:
        await wait_until(lambda: windows() > 100, 30)
        child.send_signal(signal.SIGKILL)  # mid-drain: about 2,300 windows to send
        await asyncio.to_thread(child.wait, 10)
        assert windows() < 2000
        child = start(db, mosquitto, tmp_path)
        await wait_until(lambda: collector.lane_counts() == expected, 40)
    finally:
        child.kill()
        child.wait(10)
    births = list(collector.births)
    assert births == sorted(births) and len(set(births)) == len(births) >= 2


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_link_cut_for_a_long_backlog(
    tmp_path: Path,
    mosquitto: Mosquitto,
    collector: Collector,
    run_service: Callable[..., UplinkService],
) -> None:
    link = await Link(mosquitto.port).start()
    store = open_store(tmp_path / "gw.db")
    try:
        bus = Bus()
        settings = make_settings(tmp_path, mosquitto, broker_port=link.port, keepalive_s=5)
        service = run_service(settings, store, bus, clock=lambda: T0 + 3 * 86400)
        await wait_until(lambda: collector.births != [])
        link.cut()
        await wait_until(
            lambda: service.client is not None and not service.client.connected.is_set()
        )
        store.write_sync(lambda db: seed(db, 6000, lanes=4, span_s=2 * 86400))
        for i in range(3):
            bus.publish(AlertChanged(f"a{i}", "out", "masks", "critical", "open", "out", T0))
        deadline = asyncio.get_running_loop().time() + 60
        while (await service.status()).outbox_depth < 2000:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.1)
        seen_before = len(collector.raw)
        link.restore()
        expected = store.read_sync(gateway_counts)
        await wait_until(lambda: collector.lane_counts() == expected, 60)
        after = [
            decode(m.payload).stream for m in collector.raw[seen_before:] if "/data/" in m.topic
        ]
        # The alerts overtake the routine backlog.
        assert after[:3] == ["alert", "alert", "alert"]
        deadline = asyncio.get_running_loop().time() + 30
        while (await service.status()).outbox_depth > 0:  # the last deletes follow their PUBACKs
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
    finally:
        await link.close()
        store.close()
