"""The demo's centre is a district: the demo gateway among a few dozen simulated gateways of
other communities (the fleet benchmark's simulator), and a first publication they hear."""

from __future__ import annotations

from pathlib import Path

from cloud_sync.monitor.distribution.heard import Heard
from cloud_sync.monitor.storage import open_storage
from edge.demo.centre import DEMO_GATEWAY, FLEET
from edge.demo.runner import DemoOptions, run_demo
from tests.brokers import free_port


async def test_the_demo_gateway_is_one_of_a_district_that_hears_the_centre(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    opts = DemoOptions(port=free_port(), data_dir=tmp_path, interval_s=3.0, rounds=1)
    await run_demo(opts, say=lines.append)
    storage = open_storage(f"sqlite:///{tmp_path / 'centre.db'}")
    try:
        heard = Heard(storage.backend)
        fleet = heard.fleet()
        [welcome] = heard.publications()
        detail = heard.publication(welcome["id"])
    finally:
        storage.close()
    assert len(fleet) == FLEET + 1
    assert len({m.community for m in fleet}) > 3
    assert sum(1 for m in fleet if m.seen) > FLEET // 2  # the simulated gateways came online
    assert welcome["kind"] == "notice" and welcome["audience"] == FLEET + 1
    assert detail is not None
    assert DEMO_GATEWAY in {h["gateway"] for h in detail["heard_by"]}
