"""The camera transport against the simulator's video files and against missing cameras."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import pytest

from firmware_interfaces.camera import simulator
from firmware_interfaces.camera.capture import CameraDevice, CameraSettings
from firmware_interfaces.camera.decoder import decode_image
from firmware_interfaces.camera.errors import CameraSettingsError, VideoWriteError
from firmware_interfaces.camera.simulator import write_code_video
from firmware_interfaces.events import CodeScanned, DeviceState
from tests.camera.helpers import WAIT, Recorder, hc1_like, running

TEXTS = ["HC1:FIRST-PASS-0001", hc1_like(7), "HC1:THIRD-PASS-0003"]
# A long first backoff keeps a finished file from being replayed while a test looks at it.
ONCE: dict[str, Any] = {"fps": 30.0, "backoff_initial": 30.0, "backoff_max": 30.0}
FAST: dict[str, Any] = {"backoff_initial": 0.02, "backoff_max": 0.05}


async def eventually(condition: Callable[[], bool], within: float = WAIT) -> None:
    """Poll ``condition``: the device's open attempts have no event to wait on."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_code_video(tmp_path / "codes.avi", TEXTS, fps=25, frames_per_code=8, gap_frames=4)


async def test_a_video_file_emits_each_code_once(video: Path, recorder: Recorder) -> None:
    device = CameraDevice(CameraSettings(source=str(video), **ONCE))
    async with running(device, recorder):
        await recorder.wait_for(lambda: DeviceState.UNPLUGGED in recorder.states())
    assert recorder.codes() == TEXTS
    assert all(e.symbology == "Q1" for e in recorder.events if isinstance(e, CodeScanned))
    assert recorder.states() == [DeviceState.CONNECTED, DeviceState.UNPLUGGED]
    assert recorder.events[-1].reason == "end of file"  # type: ignore[union-attr]


async def test_a_looping_file_is_a_camera_that_never_unplugs(
    video: Path, recorder: Recorder
) -> None:
    # Each code returns a whole loop (~1.6 s) later; a dropout while it is shown is < 0.35 s.
    settings = CameraSettings(source=str(video), loop_file=True, forget_after=0.6, **ONCE)
    device = CameraDevice(settings)
    async with running(device, recorder):
        await recorder.wait_for(lambda: len(recorder.codes()) >= 2 * len(TEXTS))
    assert recorder.codes()[: 2 * len(TEXTS)] == TEXTS * 2
    assert recorder.states() == [DeviceState.CONNECTED]
    assert device.open_attempts == 1


async def test_a_missing_camera_is_reported_and_logged_once(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="firmware_interfaces.camera")
    device = CameraDevice(CameraSettings(source=99, **FAST))
    async with running(device, recorder):
        await eventually(lambda: device.open_attempts >= 4)
    assert recorder.states() == [DeviceState.UNPLUGGED]
    assert recorder.events[0].reason == "no camera at index 99"  # type: ignore[union-attr]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["camera 99 unavailable: no camera at index 99"]


async def test_a_camera_that_appears_is_picked_up_and_recovery_logged_once(
    tmp_path: Path, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="firmware_interfaces.camera")
    path = tmp_path / "later.avi"
    device = CameraDevice(CameraSettings(source=str(path), name="gate-cam", fps=30.0, **FAST))
    async with running(device, recorder):
        await recorder.wait_for(lambda: DeviceState.UNPLUGGED in recorder.states())
        await eventually(lambda: device.open_attempts >= 3)
        write_code_video(tmp_path / "writing.avi", TEXTS[:1], fps=25, frames_per_code=8)
        (tmp_path / "writing.avi").rename(path)  # appears whole, as a plugged-in camera would
        await recorder.wait_for(lambda: recorder.codes() == TEXTS[:1])
    assert recorder.states()[:2] == [DeviceState.UNPLUGGED, DeviceState.CONNECTED]
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert messages[:2] == [
        "camera gate-cam unavailable: cannot open the video file",
        "camera gate-cam recovered",
    ]


def test_settings_are_checked() -> None:
    for bad in ({"fps": 0}, {"stall_after": -1}, {"backoff_max": 0.1}, {"decode_budget_ms": 0}):
        with pytest.raises(CameraSettingsError) as caught:
            CameraSettings(source=0, **bad)
        assert caught.value.setting == next(iter(bad))
    with pytest.raises(CameraSettingsError):
        CameraSettings(source="")
    with pytest.raises(CameraSettingsError):
        CameraSettings(source=-1)


def test_sources() -> None:
    assert CameraSettings(source="0").opener == 0
    assert not CameraSettings(source="rtsp://10.0.0.9/stream").is_file
    assert CameraSettings(source="/var/lib/demo/codes.avi").is_file
    assert not CameraSettings(source=2).is_file
    assert CameraSettings(source=2, name="lane-1").label == "lane-1"


def test_the_simulator_writes_gap_and_code_frames(tmp_path: Path) -> None:
    out = tmp_path / "demo.avi"
    assert (
        simulator.main([str(out), "HC1:A", "HC1:B", "--frames-per-code", "3", "--gap-frames", "2"])
        == 0
    )
    capture = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert len(frames) == 2 * (2 + 3) + 2
    assert [decode_image(f) for f in frames[2:5]] == [["HC1:A"]] * 3
    assert decode_image(frames[0]) == []


def test_the_simulator_reports_a_video_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(VideoWriteError) as caught:
        write_code_video(tmp_path / "no" / "such" / "dir.avi", ["x"])
    assert caught.value.path.endswith("dir.avi")
