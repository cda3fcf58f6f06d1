"""QR codes from camera frames: a short cascade of preprocessing steps and two decoders.

One frame goes through :data:`CASCADE` in order until a step decodes something or the frame's
time budget would be overrun. The order was chosen by measuring, on a seeded set of spoiled
camera frames (``bench/bench_camera_decode.py``), how many frames each step rescues that the
steps before it missed, per millisecond it costs:

1. zxing-cpp with its global-histogram binariser: the cheapest pass, and it reads codes under
   uneven light and low contrast that the local binariser misses.
2. zxing-cpp with its default local-average binariser.
3. the frame upscaled twice (bilinear): codes whose modules are 1.5-2.5 pixels wide, and
   blurred ones, whose modules the finder search cannot otherwise separate.
4. upscaled 1.5 times and sharpened: small *and* blurred codes.
5. unsharp mask, then an adaptive mean threshold: focus and motion blur, glare. (Swapping
   4 and 5 read ~1.5 points fewer frames within a 10 ms budget on two seeds.)
6. upscaled twice and adaptively thresholded: small codes under noise or JPEG blocking.
7. OpenCV's ArUco-based QR detector. On the benchmark it rescued no frame the zxing steps
   missed and costs ~20 ms, so it only runs when a caller grants a large budget (the
   ``decode-image`` command does); it is kept because it fails differently from zxing.

Measured and left out: CLAHE (rescued 1 frame in 75 for ~5 ms), median and Gaussian
denoising, zxing's fixed-threshold binariser, ``cv2.QRCodeDetector`` (reads fewer of these dense
codes than the ArUco variant, at the same cost), and OpenCV's detector locating the code for
zxing to read the rectified crop (rescued nothing the zxing steps missed, for ~15 ms). Frames
over 16 megapixels are shrunk first; from 1000 pixels a side zxing also tries its own
downscaled copies, and the upscaling steps stop at 1600 pixels a side.

Decoding never raises: an array that is not an image (wrong dtype, shape, empty, NaN) gives [].
The cascade stops at the first step that reads any code, so of two codes in one frame it may
report only one (a checkpoint camera is shown one card at a time).
The first two steps always run (together they do what zxing-cpp alone does). Each later step
runs only if its expected cost still fits the frame's ``budget_ms``: its listed cost per
megapixel, scaled by how much slower or faster than listed this frame's earlier steps ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware_interfaces.extras import missing_extra

try:
    import cv2
    import numpy as np
    import zxingcpp
except ModuleNotFoundError as exc:
    raise missing_extra("camera", exc) from exc

_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_MAX_UPSCALED_SIDE = 1600  # beyond this, upscaling costs more than the codes it would rescue
_MAX_INPUT_PIXELS = 4096 * 4096  # bigger frames are shrunk first: no camera we use sends them
_MIN_SIDE = 8
# zxing-cpp's own downscaled passes rescued nothing at 640x480 on the benchmark and cost ~25 %;
# they matter only for big frames, where a code can be too large for its finder search.
_DOWNSCALE_FROM_SIDE = 1000
# How far this frame's measured speed may scale the steps' listed costs, either way.
_SPEED_RANGE = (0.25, 8.0)


def _grey(image: np.ndarray) -> np.ndarray:
    return image


def _upscale(image: np.ndarray, factor: float) -> np.ndarray | None:
    factor = min(factor, _MAX_UPSCALED_SIDE / max(image.shape))
    if factor < 1.25:
        return None  # already big enough: this step would repeat an earlier one
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)


def _sharpen(image: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    return cv2.addWeighted(image, 1.0 + amount, blurred, -amount, 0)


def _adaptive(image: np.ndarray, block: int, offset: int) -> np.ndarray:
    return cv2.adaptiveThreshold(
        image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, offset
    )


def _upscale2(image: np.ndarray) -> np.ndarray | None:
    return _upscale(image, 2.0)


def _sharpen_adaptive(image: np.ndarray) -> np.ndarray:
    return _adaptive(_sharpen(image, 2.0, 0.8), 31, 5)


def _upscale15_sharpen(image: np.ndarray) -> np.ndarray | None:
    bigger = _upscale(image, 1.5)
    return None if bigger is None else _sharpen(bigger, 2.5, 1.0)


def _upscale2_adaptive(image: np.ndarray) -> np.ndarray | None:
    bigger = _upscale(image, 2.0)
    return None if bigger is None else _adaptive(bigger, 41, 4)


@dataclass(frozen=True, slots=True)
class Step:
    """One pass of the cascade: how to prepare the grey frame and which decoder reads it.

    ``prepare`` returns None when the step does not apply to this frame (e.g. upscaling a frame
    that is already large). ``cost_ms_per_mp`` is the step's typical cost per megapixel of
    *input*, measured on the 2-core development machine; only the ratios between steps matter,
    as each frame scales them by how fast its own first steps ran. ``required`` steps run
    whatever the budget: together they do what zxing-cpp alone does with its defaults (less
    its 90-degree retries, which QR does not need), so even on a machine too loaded for the
    rest the cascade reads what zxing-cpp alone would (equal rates on the benchmark).
    """

    name: str
    prepare: Callable[[np.ndarray], np.ndarray | None]
    engine: str  # "zxing" or "opencv"
    cost_ms_per_mp: float
    binarizer: Any = zxingcpp.Binarizer.LocalAverage
    downscale: bool = False
    required: bool = False


CASCADE: tuple[Step, ...] = (
    Step(
        "histogram",
        _grey,
        "zxing",
        2.5,
        binarizer=zxingcpp.Binarizer.GlobalHistogram,
        required=True,
    ),
    Step("local", _grey, "zxing", 5.0, downscale=True, required=True),
    Step("upscale2", _upscale2, "zxing", 13.0),
    Step("upscale1.5-sharpen", _upscale15_sharpen, "zxing", 18.5),
    Step("sharpen-adaptive", _sharpen_adaptive, "zxing", 12.0),
    Step("upscale2-adaptive", _upscale2_adaptive, "zxing", 23.5),
    Step("opencv-aruco", _grey, "opencv", 70.0),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """What one frame gave: the texts (first seen first), and the step that found them."""

    texts: tuple[str, ...]
    step: str | None
    milliseconds: float


class Decoder:
    """Reusable decoding state: the cascade and OpenCV's detector (built on first use).

    Not thread-safe: give each thread its own Decoder.
    """

    __slots__ = ("_aruco", "_clock", "_steps")

    def __init__(
        self,
        steps: tuple[Step, ...] = CASCADE,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._steps = steps
        self._clock = clock
        self._aruco: Any = None

    def decode(self, image: object, *, budget_ms: float = 10.0) -> list[str]:
        """The QR texts in ``image`` (BGR, BGRA or grey); [] for anything that is not an image."""
        return list(self.decode_detailed(image, budget_ms=budget_ms).texts)

    def decode_detailed(self, image: object, *, budget_ms: float = 10.0) -> Decoded:
        start = self._clock()
        try:
            grey = to_grey(image)
            if grey is None:
                return Decoded((), None, self._elapsed(start))
            return self._cascade(grey, start, budget_ms)
        except Exception:  # a frame, however odd, must never take down the camera's loop
            return Decoded((), None, self._elapsed(start))

    def _cascade(self, grey: np.ndarray, start: float, budget_ms: float) -> Decoded:
        megapixels = grey.size / 1e6
        listed_ms = 0.0  # what the steps run so far cost on the reference machine
        for step in self._steps:
            elapsed = self._elapsed(start)
            listed = step.cost_ms_per_mp * megapixels
            if not step.required:
                # This frame's own pace (a loaded CPU, a slower board) scales the listed cost.
                low, high = _SPEED_RANGE
                speed = min(max(elapsed / listed_ms, low), high) if listed_ms > 0 else 1.0
                if elapsed + listed * speed > budget_ms:
                    continue  # a cheaper step further on may still fit
            prepared = step.prepare(grey)
            if prepared is None:
                continue
            texts = self._run(step, prepared)
            listed_ms += listed
            if texts:
                return Decoded(texts, step.name, self._elapsed(start))
        return Decoded((), None, self._elapsed(start))

    def _run(self, step: Step, image: np.ndarray) -> tuple[str, ...]:
        if step.engine == "opencv":
            if self._aruco is None:
                self._aruco = cv2.QRCodeDetectorAruco()
            ok, texts, _points, _straight = self._aruco.detectAndDecodeMulti(image)
            return _unique(texts if ok else ())
        found = zxingcpp.read_barcodes(
            image,
            formats=_QR,
            try_rotate=False,  # QR finder patterns are found at any angle anyway
            try_downscale=step.downscale and max(image.shape) >= _DOWNSCALE_FROM_SIDE,
            try_invert=True,
            binarizer=step.binarizer,
        )
        return _unique(barcode.text for barcode in found if barcode.valid)

    def _elapsed(self, start: float) -> float:
        return (self._clock() - start) * 1000.0


def decode_image(image: object, *, budget_ms: float = 10.0) -> list[str]:
    """The QR texts in one image (BGR, BGRA or grey numpy array); never raises.

    Builds a fresh :class:`Decoder`; a camera loop should keep one instead.
    """
    return Decoder().decode(image, budget_ms=budget_ms)


def to_grey(image: object) -> np.ndarray | None:
    """A contiguous 8-bit grey copy or view of ``image``, or None if it is not an image."""
    if not isinstance(image, np.ndarray) or image.size == 0:
        return None
    array = image
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        return None
    if min(array.shape[:2]) < _MIN_SIDE:
        return None
    converted = _to_uint8(array)
    if converted is None:
        return None
    array = converted
    if array.ndim == 3:
        code = cv2.COLOR_BGR2GRAY if array.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        array = cv2.cvtColor(np.ascontiguousarray(array), code)
    array = np.ascontiguousarray(array)
    if array.size > _MAX_INPUT_PIXELS:
        scale = (_MAX_INPUT_PIXELS / array.size) ** 0.5
        array = cv2.resize(array, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return array


def _to_uint8(array: np.ndarray) -> np.ndarray | None:
    kind = array.dtype.kind
    if array.dtype == np.uint8:
        return np.asarray(array)
    if kind == "b":
        return array.astype(np.uint8) * 255
    if kind == "u" and array.dtype.itemsize == 2:
        return np.asarray(array >> 8, dtype=np.uint8)  # 16-bit sensors: keep the high byte
    if kind in "iu":
        return np.asarray(np.clip(array, 0, 255), dtype=np.uint8)
    if kind == "f":
        # Clip in the array's own precision first: float64 beyond float32's range would overflow.
        floats = np.clip(np.nan_to_num(array, nan=0.0, posinf=255.0, neginf=0.0), 0.0, 255.0)
        floats = floats.astype(np.float32)
        if float(floats.max()) <= 1.0:  # a normalised image, 0..1
            floats *= 255.0
        return np.asarray(floats, dtype=np.uint8)
    return None  # complex, object, strings, datetimes: not an image


def _unique(texts: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text for text in texts if isinstance(text, str) and text))
