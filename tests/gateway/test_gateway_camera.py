"""A camera device (a looping video file, the camera simulator) feeds the lane once per code."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from edge.config import load_config
from edge.core.events import ScreeningDecided
from edge.demo.workspace import LanePorts, make_workspace
from edge.runtime.assembly import Gateway
from firmware_interfaces.camera.simulator import write_code_video


async def test_camera_lane_decides_once_per_code_in_view(tmp_path: Path) -> None:
    ws = make_workspace(
        tmp_path / "gw",
        [LanePorts("gate", "Gate", "mqtt", "unused/topic", "/dev/null")],
        web_port=0,
    )
    code = ws.issuer.issue("r-42", "green")
    video = write_code_video(tmp_path / "camera.avi", [code], frames_per_code=30, gap_frames=0)
    text = ws.config.read_text()
    # this lane has a camera instead of a scanner, and no thermometer at all
    start = text.index('[[devices]]\nid = "gate-thermometer"')
    end = text.index("[verifiers.community_pass]")
    text = (
        text[:start] + f'[[devices]]\nid = "gate-camera"\nlane = "gate"\nkind = "scanner"\n'
        f'transport = "camera"\nsource = "{video}"\nfps = 20\n\n' + text[end:]
    )
    ws.config.write_text(text)
    gateway = Gateway(load_config(ws.config), source=ws.config)
    sub = gateway.bus.subscribe()
    task = asyncio.create_task(gateway.run())
    try:
        async with asyncio.timeout(20):
            while True:
                event = await sub.get()
                if isinstance(event, ScreeningDecided):
                    break
        assert event.code_type == "community-pass" and event.code_status == "green"
        # no thermometer on this lane: the policy's "thermometer down" answer, at once
        assert event.reason == "thermometer unavailable: check manually"
        await asyncio.sleep(1.0)  # the code stays in view: no second screening
        assert not any(isinstance(e, ScreeningDecided) for e in iter(sub.get_nowait, None))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
