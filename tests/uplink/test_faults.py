"""The uplink process killed mid-drain and restarted: the centre sees the gateway's counts."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.brokers import Mosquitto
from tests.mqtt.helpers import wait_until
from tests.uplink.helpers import T0, Collector, gateway_counts, open_store, seed

RUNNER = Path(__file__).with_name("run_uplink.py")


def start(db: Path, broker: Mosquitto, keydir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), str(db), str(broker.port), str(keydir),
         str(T0 + 3 * 86400)],
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
    windows = lambda: len(collector.stream("lane-window"))  # noqa: E731
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
