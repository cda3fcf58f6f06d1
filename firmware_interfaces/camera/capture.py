"""The transport that owns one camera: capture, decode, track, survive unplugging.

:class:`CameraDevice` runs until cancelled. It opens its source with ``cv2.VideoCapture`` (a
device index, a video file, or a stream URL such as ``rtsp://...``), decodes QR codes in the
frames, and emits ``CodeScanned(text, symbology="Q1")`` once each time a code comes into view
(see :mod:`firmware_interfaces.camera.tracker`). Its state goes out as ``DeviceStateChanged``
events, each only when the state changes:

- CONNECTED when the capture opens;
- UNPLUGGED when it will not open, stops delivering frames (a read fails, a file ends, or no
  frame arrives for ``stall_after`` seconds). The capture is released and reopened with
  capped, jittered exponential backoff; the outage is logged when it starts and when it ends,
  never on each retry.

Opening, reading and decoding all happen in one worker thread per opened capture, which owns
the ``VideoCapture`` from open to release (OpenCV captures are not safe to share between
threads, and an RTSP open or read can block for many seconds). The event loop only receives
each frame's decoded texts and runs the tracker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware_interfaces.camera.decoder import Decoder
from firmware_interfaces.camera.errors import CameraSettingsError
from firmware_interfaces.camera.tracker import CodeTracker
from firmware_interfaces.events import CodeScanned, DeviceState, DeviceStateChanged, Emit
from firmware_interfaces.extras import missing_extra
from firmware_interfaces.transports.backoff import Backoff
from firmware_interfaces.words import N_

try:
    import cv2
except ModuleNotFoundError as exc:
    raise missing_extra("camera", exc) from exc

log = logging.getLogger(__name__)

# A camera's state, as the page shows it (translated there: edge/i18n).
CAPTURE_OPENED = N_("capture opened")
END_OF_FILE = N_("end of file")
NO_FRAMES = N_("camera stopped delivering frames")
STOPPED = N_("stopped")
NO_CAMERA = N_("no camera at index {index}")
NO_VIDEO_FILE = N_("cannot open the video file")
NO_STREAM = N_("cannot open the stream")
QR_SYMBOLOGY = "Q1"  # AIM identifier of QR Code (model 2), as serial scanners report it


@dataclass(frozen=True, slots=True)
class CameraSettings:
    #: A device index (0 is the first camera; a string of digits counts as one), a video file
    #: path, or a stream URL that OpenCV's FFmpeg backend opens (rtsp://, http://).
    source: int | str
    #: Decode at most this many frames a second; frames in between are read and dropped, so a
    #: live stream never lags behind.
    fps: float = 10.0
    #: Time one frame's decoding may take (see firmware_interfaces.camera.decoder).
    decode_budget_ms: float = 10.0
    #: Replay a video file from the start when it ends, instead of reporting the end as an
    #: unplug (the file is then a simulated camera).
    loop_file: bool = False
    #: A code must be out of view this many seconds before it counts as a new scan.
    forget_after: float = 2.0
    #: Report UNPLUGGED after this many seconds without a frame from an open capture.
    stall_after: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    #: How logs name the camera; the source if empty.
    name: str = field(default="")

    def __post_init__(self) -> None:
        checks = [
            ("source", self.source != "" and not isinstance(self.source, bool), "must be set"),
            ("source", not isinstance(self.source, int) or self.source >= 0, "must be >= 0"),
            ("fps", self.fps > 0, "must be positive"),
            ("decode_budget_ms", self.decode_budget_ms > 0, "must be positive"),
            ("forget_after", self.forget_after >= 0, "must be >= 0"),
            ("stall_after", self.stall_after > 0, "must be positive"),
            ("backoff_initial", self.backoff_initial > 0, "must be positive"),
            ("backoff_max", self.backoff_max >= self.backoff_initial, "must be >= backoff_initial"),
        ]
        for setting, ok, reason in checks:
            if not ok:
                raise CameraSettingsError(str(self.source), setting, reason)

    @property
    def label(self) -> str:
        return self.name or str(self.source)

    @property
    def opener(self) -> int | str:
        """What to hand to ``cv2.VideoCapture``."""
        if isinstance(self.source, str) and self.source.isdigit():
            return int(self.source)
        return self.source

    @property
    def is_file(self) -> bool:
        return isinstance(self.opener, str) and "://" not in str(self.source)


@dataclass(frozen=True, slots=True)
class _Opened:
    pass


@dataclass(frozen=True, slots=True)
class _Frame:
    when: float  # monotonic seconds
    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str


_Message = _Opened | _Frame | _Failure


class CameraDevice:
    """One camera: its capture, decoder, tracker and state. See the module docstring."""

    def __init__(self, settings: CameraSettings, backoff: Backoff | None = None) -> None:
        self.settings = settings
        self._backoff = backoff or Backoff(settings.backoff_initial, settings.backoff_max)
        self._tracker = CodeTracker(settings.forget_after)
        self._state: DeviceState | None = None
        self.open_attempts = 0  # how many times the capture was (re)opened; for tests and logs
        # OpenCV logs its own warning on every failed open; the outage is logged here, once.
        # (OpenCV's log level is process-wide: errors still get through.)
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

    @property
    def state(self) -> DeviceState | None:
        """The last state reported, None before the first attempt to open."""
        return self._state

    async def run(self, emit: Emit) -> None:
        """Own the camera until cancelled; never returns otherwise, never raises on camera trouble.

        Exceptions raised by ``emit`` are bugs and end the run.
        """
        outage: str | None = None
        while True:
            self.open_attempts += 1
            inbox: asyncio.Queue[_Message] = asyncio.Queue()
            stop = threading.Event()
            _start_worker(self.settings, asyncio.get_running_loop(), inbox, stop)
            try:
                first = await inbox.get()
                if isinstance(first, _Failure):
                    if outage is None:
                        outage = first.reason
                        log.warning("camera %s unavailable: %s", self.settings.label, outage)
                        self._set_state(emit, DeviceState.UNPLUGGED, outage)
                    log.debug("camera %s: open failed: %s", self.settings.label, first.reason)
                else:
                    if outage is not None:
                        log.warning("camera %s recovered", self.settings.label)
                    self._set_state(emit, DeviceState.CONNECTED, CAPTURE_OPENED)
                    outage, got_frames = await self._consume(inbox, emit)
                    if got_frames:
                        self._backoff.reset()
                    log.warning("camera %s unavailable: %s", self.settings.label, outage)
                    self._set_state(emit, DeviceState.UNPLUGGED, outage)
            finally:
                stop.set()
            await asyncio.sleep(self._backoff.next_delay())

    async def _consume(self, inbox: asyncio.Queue[_Message], emit: Emit) -> tuple[str, bool]:
        """Track frames until the capture fails: why it failed, and whether any frame came."""
        got_frames = False
        stall_after = self.settings.stall_after
        while True:
            try:
                message = await asyncio.wait_for(inbox.get(), stall_after)
            except TimeoutError:
                return f"no frames for {stall_after:g} s", got_frames
            if isinstance(message, _Failure):
                return message.reason, got_frames
            if isinstance(message, _Frame):
                got_frames = True
                for text in self._tracker.feed(message.when, message.texts):
                    emit(CodeScanned(text, QR_SYMBOLOGY))

    def _set_state(self, emit: Emit, state: DeviceState, reason: str) -> None:
        if state != self._state:
            self._state = state
            emit(DeviceStateChanged(state, reason))


def _start_worker(
    settings: CameraSettings,
    loop: asyncio.AbstractEventLoop,
    inbox: asyncio.Queue[_Message],
    stop: threading.Event,
) -> None:
    def post(message: _Message) -> bool:
        if stop.is_set():
            return False
        try:
            loop.call_soon_threadsafe(inbox.put_nowait, message)
        except RuntimeError:  # the loop closed under us: nobody is listening any more
            return False
        return True

    thread = threading.Thread(
        target=_work,
        args=(settings, post, stop),
        name=f"camera {settings.label}",
        daemon=True,
    )
    thread.start()


def _work(
    settings: CameraSettings, post: Callable[[_Message], bool], stop: threading.Event
) -> None:
    """The worker thread: open, read, decode, post; release the capture however it ends."""
    try:
        capture = cv2.VideoCapture(settings.opener)
    except cv2.error as exc:
        post(_Failure(_describe(exc)))
        return
    try:
        if not capture.isOpened():
            post(_Failure(_not_opened(settings)))
            return
        if not post(_Opened()):
            return
        post(_Failure(_read_frames(settings, capture, post, stop)))
    except cv2.error as exc:
        post(_Failure(_describe(exc)))
    finally:
        with contextlib.suppress(cv2.error):
            capture.release()


def _read_frames(
    settings: CameraSettings, capture: Any, post: Callable[[_Message], bool], stop: threading.Event
) -> str:
    """Read until the capture fails or ``stop`` is set; the reason it ended."""
    decoder = Decoder()
    interval = 1.0 / settings.fps
    # A file plays at its own frame rate, as the camera it simulates would deliver frames;
    # a live source paces itself (grab blocks until the next frame).
    file_fps = capture.get(cv2.CAP_PROP_FPS) if settings.is_file else 0.0
    frame_interval = 1.0 / file_fps if file_fps and file_fps > 0 else interval
    next_frame = next_decode = time.monotonic()
    while not stop.is_set():
        if settings.is_file:
            delay = next_frame - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            next_frame = max(next_frame + frame_interval, time.monotonic() - frame_interval)
        if not capture.grab():
            if settings.is_file and settings.loop_file and _rewind(capture):
                continue
            return END_OF_FILE if settings.is_file else NO_FRAMES
        now = time.monotonic()
        if now < next_decode:
            continue
        next_decode = max(next_decode + interval, now)
        ok, frame = capture.retrieve()
        texts = tuple(decoder.decode(frame, budget_ms=settings.decode_budget_ms)) if ok else ()
        if not post(_Frame(now, texts)):
            break
    return STOPPED


def _rewind(capture: Any) -> bool:
    return bool(capture.set(cv2.CAP_PROP_POS_FRAMES, 0)) and bool(capture.grab())


def _not_opened(settings: CameraSettings) -> str:
    source = settings.opener
    if isinstance(source, int):
        return NO_CAMERA.format(index=source)
    if settings.is_file:
        return NO_VIDEO_FILE
    return NO_STREAM


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
