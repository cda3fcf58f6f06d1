"""The camera decoder on generated QR images, spoiled the ways a camera spoils them."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from firmware_interfaces.camera.decoder import CASCADE, Decoder, decode_image, to_grey
from tests.camera.helpers import hc1_like, in_frame, qr_grey, rotated

TEXT = hc1_like(1)
# Fake clocks make budget tests independent of the machine's speed.
NO_BUDGET = 1e9


def test_a_clean_code_in_a_frame() -> None:
    frame = in_frame(qr_grey(TEXT, scale=4))
    assert decode_image(frame) == [TEXT]


def test_grey_bgra_and_single_channel_inputs() -> None:
    bgr = in_frame(qr_grey(TEXT, scale=4))
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    for image in (grey, bgra, grey[..., None], np.asfortranarray(grey), bgr[:, ::-1][:, ::-1]):
        assert decode_image(image) == [TEXT]


def test_other_dtypes_are_scaled_to_8_bits() -> None:
    grey = cv2.cvtColor(in_frame(qr_grey(TEXT, scale=4)), cv2.COLOR_BGR2GRAY)
    as_float = grey.astype(np.float32) / 255.0
    as_uint16 = grey.astype(np.uint16) * 257
    as_bool = grey > 128
    for image in (as_float, as_uint16, as_bool, grey.astype(np.int32)):
        assert decode_image(image) == [TEXT], image.dtype


@pytest.mark.parametrize("degrees", [17, 45, 90, 143, -100])
def test_rotated(degrees: float) -> None:
    frame = rotated(in_frame(qr_grey(TEXT, scale=3)), degrees)
    assert decode_image(frame, budget_ms=NO_BUDGET) == [TEXT]


def test_perspective() -> None:
    code = qr_grey(TEXT, scale=3)
    h, w = code.shape
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = np.array([[150, 70], [470, 110], [500, 420], [120, 380]], np.float32)
    warped = cv2.warpPerspective(
        code, cv2.getPerspectiveTransform(src, dst), (640, 480), borderValue=110
    )
    assert decode_image(warped, budget_ms=NO_BUDGET) == [TEXT]


def test_blurred() -> None:
    frame = cv2.GaussianBlur(in_frame(qr_grey(TEXT, scale=4)), (0, 0), 1.4)
    assert decode_image(frame, budget_ms=NO_BUDGET) == [TEXT]


def test_noisy() -> None:
    frame = in_frame(qr_grey(TEXT, scale=4)).astype(np.int16)
    noise = np.random.default_rng(3).normal(0, 25, frame.shape[:2]).astype(np.int16)
    noisy = np.clip(frame + noise[..., None], 0, 255).astype(np.uint8)
    assert decode_image(noisy, budget_ms=NO_BUDGET) == [TEXT]


def test_low_contrast_and_inverted() -> None:
    grey = cv2.cvtColor(in_frame(qr_grey(TEXT, scale=4)), cv2.COLOR_BGR2GRAY)
    faint = (grey.astype(np.float32) * (40 / 255) + 100).astype(np.uint8)
    assert decode_image(faint, budget_ms=NO_BUDGET) == [TEXT]
    assert decode_image(255 - grey, budget_ms=NO_BUDGET) == [TEXT]


def small_soft_code() -> np.ndarray:
    """1.6 pixels a module and slightly out of focus: too fine for zxing's plain passes."""
    code = cv2.resize(qr_grey(TEXT, scale=10), None, fx=0.16, fy=0.16, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(in_frame(code), (0, 0), 0.5)


def test_small_code_needs_a_later_step() -> None:
    decoded = Decoder().decode_detailed(small_soft_code(), budget_ms=NO_BUDGET)
    assert decoded.texts == (TEXT,)
    assert decoded.step not in (None, "histogram", "local")


def test_two_codes_in_one_frame() -> None:
    other = hc1_like(2, 80)
    frame = np.full((480, 640), 110, np.uint8)
    a, b = qr_grey(TEXT, scale=3), qr_grey(other, scale=4)
    frame[20 : 20 + a.shape[0], 10 : 10 + a.shape[1]] = a
    frame[100 : 100 + b.shape[0], 400 : 400 + b.shape[1]] = b
    assert sorted(decode_image(frame)) == sorted([TEXT, other])


def test_a_frame_without_a_code() -> None:
    noise = np.random.default_rng(5).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    assert decode_image(noise, budget_ms=NO_BUDGET) == []


class SteppingClock:
    """Every reading is ``step`` seconds after the previous one."""

    def __init__(self, step: float) -> None:
        self._ticks = itertools.count()
        self._step = step

    def __call__(self) -> float:
        return next(self._ticks) * self._step


def test_a_spent_budget_stops_the_cascade_after_the_first_step() -> None:
    frame = small_soft_code()
    slow = Decoder(clock=SteppingClock(1.0))  # a second a reading: nothing fits in 10 ms
    decoded = slow.decode_detailed(frame, budget_ms=10.0)
    assert decoded.texts == ()
    assert decoded.step is None
    generous = Decoder(clock=SteppingClock(0.0))
    assert generous.decode(frame, budget_ms=10.0) == [TEXT]


def test_the_cascade_names_are_unique() -> None:
    names = [step.name for step in CASCADE]
    assert len(names) == len(set(names))
    assert {step.engine for step in CASCADE} == {"zxing", "opencv"}


def test_the_opencv_step_reads_a_code_when_reached() -> None:
    opencv_only = tuple(step for step in CASCADE if step.engine == "opencv")
    frame = in_frame(qr_grey("HC1:SHORT-CODE-42", scale=6))
    assert Decoder(opencv_only).decode(frame, budget_ms=NO_BUDGET) == ["HC1:SHORT-CODE-42"]


@pytest.mark.parametrize(
    "image",
    [
        None,
        "not an image",
        [[0, 255], [255, 0]],
        np.zeros((0, 0), np.uint8),
        np.zeros((480, 640, 2), np.uint8),
        np.zeros((4, 4), np.uint8),
        np.zeros((10, 10, 3, 2), np.uint8),
        np.zeros((20, 20), np.complex64),
        np.full((20, 20), np.nan, np.float64),
        np.array([["a"] * 20] * 20),
        np.zeros((20, 20), object),
    ],
    ids=repr,
)
def test_what_is_not_an_image_gives_nothing(image: object) -> None:
    assert decode_image(image) == []


dtypes = st.sampled_from(
    [np.uint8, np.int8, np.uint16, np.int32, np.int64, np.float16, np.float32, np.float64, bool]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hnp.arrays(
        dtype=dtypes,
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=48),
    )
)
def test_any_array_gives_a_list_of_texts_and_never_raises(image: np.ndarray) -> None:
    texts = decode_image(image, budget_ms=NO_BUDGET)
    assert isinstance(texts, list)
    assert all(isinstance(text, str) for text in texts)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(8, 64),
    st.integers(8, 64),
    st.sampled_from([None, 1, 3, 4]),
    st.sampled_from([np.uint8, np.uint16, np.float32, np.float64]),
)
def test_image_shaped_arrays_become_contiguous_8_bit_grey(
    height: int, width: int, channels: int | None, dtype: type
) -> None:
    shape = (height, width) if channels is None else (height, width, channels)
    image: np.ndarray = np.random.default_rng(height * width).random(shape).astype(dtype)
    grey = to_grey(image)
    assert grey is not None
    assert grey.shape == (height, width)
    assert grey.dtype == np.uint8
    assert grey.flags.c_contiguous


def test_a_full_hd_frame_and_a_frame_too_big_for_any_camera() -> None:
    code = qr_grey(TEXT, scale=5)
    assert decode_image(in_frame(code, size=(1920, 1080))) == [TEXT]
    huge = cv2.resize(in_frame(code, size=(1024, 768)), (5120, 3840))
    assert decode_image(huge, budget_ms=NO_BUDGET) == [TEXT]
