"""Seeded, camera-like 640x480 frames showing the conformance data's QR codes.

Each frame takes one EU DCC test code (its 2DCODE PNG, or its PREFIX text re-encoded with segno
at a random error-correction level), warps it in perspective onto a cluttered background and
then spoils it the way a cheap checkpoint camera does: rotation, blur (focus and motion), low
contrast, uneven light, glare, sensor noise, JPEG artefacts, and small scale. The spoilers are
drawn independently, so some frames get several at once; the hard tail is what separates
decoders.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import segno

CONFORMANCE = Path("/work/shared/conformance/dcc-testdata")
WIDTH, HEIGHT = 640, 480


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    image: np.ndarray  # BGR, HEIGHT x WIDTH
    tags: tuple[str, ...]  # which spoilers were applied


def load_codes(root: Path = CONFORMANCE) -> list[tuple[str, str]]:
    """(PREFIX text, 2DCODE base64 PNG) of every test file that has both, in a stable order."""
    codes = []
    for path in sorted(root.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            text, png = data.get("PREFIX"), data.get("2DCODE")
            if isinstance(text, str) and isinstance(png, str) and text:
                codes.append((text, png))
    return codes


def _code_image(text: str, png: str, rng: random.Random) -> np.ndarray:
    """A clean grey code with a 4-module quiet zone, 1 pixel a module (or the PNG's own scale)."""
    if rng.random() < 0.5:
        raw = np.frombuffer(base64.b64decode(png), np.uint8)
        image = cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE)
        if image is not None:
            return np.asarray(image)
    return _segno_image(text, rng.choice("LMQ"), rng.randrange(8))


@functools.lru_cache(maxsize=4096)
def _segno_image(text: str, error: str, mask: int) -> np.ndarray:
    # A fixed mask skips segno's search over all eight, which costs most of its time.
    qr = segno.make_qr(text, error=error, mask=mask, boost_error=False)
    matrix = np.array(list(qr.matrix_iter(scale=1, border=4)), dtype=np.uint8)
    return np.where(matrix > 0, 0, 255).astype(np.uint8)


def _background(rng: random.Random) -> np.ndarray:
    base = rng.randint(40, 200)
    frame = np.full((HEIGHT, WIDTH, 3), base, np.uint8)
    for _ in range(rng.randint(3, 12)):
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        x1, y1 = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        x2, y2 = x1 + rng.randint(-200, 200), y1 + rng.randint(-200, 200)
        if rng.random() < 0.5:
            cv2.rectangle(frame, (x1, y1), (x2, y2), colour, -1)
        else:
            cv2.line(frame, (x1, y1), (x2, y2), colour, rng.randint(1, 6))
    for _ in range(rng.randint(0, 3)):
        cv2.putText(
            frame,
            "".join(rng.choice("ABCDEFGH0123456789 ") for _ in range(rng.randint(4, 14))),
            (rng.randrange(WIDTH), rng.randrange(HEIGHT)),
            cv2.FONT_HERSHEY_SIMPLEX,
            rng.uniform(0.4, 1.5),
            tuple(rng.randint(0, 255) for _ in range(3)),
            2,
        )
    return _add_noise(frame, 6.0)


def _add_noise(image: np.ndarray, sigma: float) -> np.ndarray:
    # cv2.randn (seeded once in generate) is several times faster than numpy's normal here.
    # One noise plane for all three channels: most sensor noise is in luminance, and it is
    # three times cheaper to draw.
    noise = np.empty(image.shape[:2], np.int16)
    cv2.randn(noise, 0.0, sigma)
    noisy = image.astype(np.int16) + noise[..., None]
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _place(code: np.ndarray, frame: np.ndarray, rng: random.Random, tags: list[str]) -> np.ndarray:
    """Warp ``code`` into ``frame`` (perspective, rotation, scale); returns the code mask."""
    h, w = code.shape
    # Side of the code (with its quiet zone) in the frame, in pixels.
    if rng.random() < 0.3:
        side = rng.uniform(1.7, 2.6) * w / _px_per_module(code)
        tags.append("small")
    else:
        side = rng.uniform(170, 420)
    angle = rng.uniform(-180, 180) if rng.random() < 0.5 else rng.uniform(-12, 12)
    if abs(angle) > 12:
        tags.append("rotated")
    half = side / 2
    tilt = rng.uniform(0.0, 0.22) if rng.random() < 0.5 else rng.uniform(0.0, 0.05)
    if tilt > 0.08:
        tags.append("perspective")
    a = math.radians(angle)
    offsets = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        px = dx * half + rng.uniform(-tilt, tilt) * side
        py = dy * half + rng.uniform(-tilt, tilt) * side
        offsets.append((px * math.cos(a) - py * math.sin(a), px * math.sin(a) + py * math.cos(a)))
    # Keep the whole code in view (a cut-off code is not a decoder's failure); a code too big
    # for the frame is shrunk until it fits.
    xs, ys = [o[0] for o in offsets], [o[1] for o in offsets]
    fit = min(1.0, (WIDTH - 8) / (max(xs) - min(xs)), (HEIGHT - 8) / (max(ys) - min(ys)))
    xs, ys = [x * fit for x in xs], [y * fit for y in ys]
    cx = rng.uniform(4 - min(xs), WIDTH - 4 - max(xs))
    cy = rng.uniform(4 - min(ys), HEIGHT - 4 - max(ys))
    corners = [(cx + x, cy + y) for x, y in zip(xs, ys, strict=True)]
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, np.float32(corners))
    warped = cv2.warpPerspective(code, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_AREA, borderValue=0)
    mask = cv2.warpPerspective(
        np.full_like(code, 255), matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR, borderValue=0
    )
    # Paper is not pure white nor ink pure black, and light is rarely even over the card.
    paper = rng.uniform(170, 255)
    ink = rng.uniform(0, 70)
    if rng.random() < 0.2:
        paper, ink = rng.uniform(120, 170), rng.uniform(70, 110)
        tags.append("low-contrast")
    # Blend only inside the code's bounding box: the rest of the frame is unchanged.
    x0, y0, bw, bh = cv2.boundingRect(np.int32(corners))
    x0, y0 = max(x0, 0), max(y0, 0)
    box = np.s_[y0 : y0 + bh, x0 : x0 + bw]
    shade = warped[box].astype(np.float32) * ((paper - ink) / 255.0) + ink
    alpha = mask[box].astype(np.float32)[..., None] * (1.0 / 255.0)
    tint = np.array([rng.uniform(0.85, 1.0) for _ in range(3)], np.float32)
    blended = frame[box] * (1 - alpha) + shade[..., None] * tint * alpha
    frame[box] = np.clip(blended, 0, 255).astype(np.uint8)
    return mask


def _px_per_module(code: np.ndarray) -> float:
    """Pixels a module in a clean code image: the finder pattern's dark run is 7 modules."""
    row = code[_first_dark_row(code)]
    dark = np.flatnonzero(row < 128)
    if dark.size == 0:
        return 1.0
    start = dark[0]
    end = start
    while end + 1 < row.size and row[end + 1] < 128:
        end += 1
    return max(1.0, (end - start + 1) / 7.0)


def _first_dark_row(code: np.ndarray) -> int:
    rows = np.flatnonzero((code < 128).any(axis=1))
    return int(rows[0]) if rows.size else 0


def _spoil(frame: np.ndarray, rng: random.Random, tags: list[str]) -> np.ndarray:
    image = frame.astype(np.float32)
    if rng.random() < 0.35:  # uneven light: a gradient over the whole frame
        gx = np.linspace(rng.uniform(0.5, 1.0), rng.uniform(0.5, 1.2), WIDTH, dtype=np.float32)
        gy = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.2), HEIGHT, dtype=np.float32)
        image *= (gy[:, None] * gx[None, :])[..., None]
        tags.append("shading")
    if rng.random() < 0.25:  # glare: a bright soft spot, often over the code
        cx, cy = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
        radius = rng.uniform(30, 140)
        ys, xs = np.ogrid[:HEIGHT, :WIDTH]
        spot = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2)).astype(np.float32)
        image += (spot * rng.uniform(80, 220))[..., None]
        tags.append("glare")
    image = np.clip(image, 0, 255).astype(np.uint8)
    if rng.random() < 0.35:
        if rng.random() < 0.5:
            sigma = rng.uniform(0.6, 1.8)
            image = cv2.GaussianBlur(image, (0, 0), sigma)
        else:
            length = rng.randint(3, 9)
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2, :] = 1.0 / length
            rot = cv2.getRotationMatrix2D(
                (length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1
            )
            kernel = cv2.warpAffine(kernel, rot, (length, length))
            kernel /= max(float(kernel.sum()), 1e-6)
            image = cv2.filter2D(image, -1, kernel)
        tags.append("blur")
    if rng.random() < 0.4:
        image = _add_noise(image, rng.uniform(3, 12))
        tags.append("noise")
    if rng.random() < 0.5:
        quality = rng.randint(15, 60)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            image = cv2.imdecode(data, cv2.IMREAD_COLOR)
            tags.append("jpeg")
    if rng.random() < 0.03:  # a phone screen in dark mode
        image = 255 - image
        tags.append("inverted")
    return image


def make_sample(codes: list[tuple[str, str]], seed: int, index: int) -> Sample:
    """Frame ``index`` of the set ``seed``: the same pair always gives the same frame."""
    rng = random.Random(f"{seed}:{index}")
    cv2.setRNGSeed(rng.randrange(2**31))
    text, png = rng.choice(codes)
    tags: list[str] = []
    code = _code_image(text, png, rng)
    frame = _background(rng)
    _place(code, frame, rng, tags)
    return Sample(text, _spoil(frame, rng, tags), tuple(tags))


def generate(count: int, seed: int, codes: list[tuple[str, str]] | None = None) -> list[Sample]:
    codes = codes if codes is not None else load_codes()
    return [make_sample(codes, seed, index) for index in range(count)]
