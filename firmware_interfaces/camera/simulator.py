"""A camera simulator: a short video file showing a sequence of QR codes.

:class:`~firmware_interfaces.camera.capture.CameraDevice` opens the file like any camera
(``CameraSettings(source=str(path), loop_file=True)`` replays it forever), so tests and the
demo exercise the real capture, decoding and tracking path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import segno

from firmware_interfaces.camera.errors import VideoWriteError
from firmware_interfaces.extras import missing_extra

try:
    import cv2
    import numpy as np
except ModuleNotFoundError as exc:
    raise missing_extra("camera", exc) from exc

_BACKGROUND = 90  # a grey wall: the code's white quiet zone must stand out from it


def code_frame(text: str, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """One BGR frame of ``size`` (width, height) with ``text`` as a QR code in the middle."""
    width, height = size
    matrix = np.array(list(segno.make_qr(text).matrix_iter(scale=1, border=4)), dtype=np.uint8)
    modules = matrix.shape[0]
    scale = max(1, min(6, int(min(width, height) * 0.9) // modules))
    clean = np.where(matrix > 0, 0, 255).astype(np.uint8)
    code = cv2.resize(clean, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    frame = blank_frame(size)
    side = code.shape[0]
    if side > min(width, height):
        raise VideoWriteError("-", f"a {len(text)}-character code does not fit a {size} frame")
    top, left = (height - side) // 2, (width - side) // 2
    frame[top : top + side, left : left + side] = code[..., None]
    return frame


def blank_frame(size: tuple[int, int] = (640, 480)) -> np.ndarray:
    width, height = size
    return np.full((height, width, 3), _BACKGROUND, np.uint8)


def write_code_video(
    path: Path,
    texts: Sequence[str],
    *,
    fps: float = 20.0,
    frames_per_code: int = 10,
    gap_frames: int = 6,
    size: tuple[int, int] = (640, 480),
) -> Path:
    """Write an MJPG/AVI video: for each text, ``gap_frames`` empty frames, then the code.

    Returns ``path``. :class:`VideoWriteError` if OpenCV cannot write it.
    """
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
    if not writer.isOpened():
        raise VideoWriteError(str(path), "OpenCV has no MJPG/AVI writer for this path")
    try:
        blank = blank_frame(size)
        for text in texts:
            for _ in range(gap_frames):
                writer.write(blank)
            frame = code_frame(text, size)
            for _ in range(frames_per_code):
                writer.write(frame)
        for _ in range(gap_frames):
            writer.write(blank)
    finally:
        writer.release()
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m firmware_interfaces.camera.simulator OUT.avi TEXT...``: write a demo video."""
    import argparse  # only the command line needs it

    parser = argparse.ArgumentParser(
        prog="python -m firmware_interfaces.camera.simulator",
        description="Write an MJPG/AVI video showing each TEXT as a QR code, for a simulated "
        "camera (CameraSettings(source=OUT, loop_file=True)).",
    )
    parser.add_argument("out", type=Path, metavar="OUT.avi")
    parser.add_argument("texts", nargs="+", metavar="TEXT")
    parser.add_argument("--fps", type=float, default=20.0)
    parser.add_argument("--frames-per-code", type=int, default=40)
    parser.add_argument("--gap-frames", type=int, default=40)
    args = parser.parse_args(argv)
    try:
        write_code_video(
            args.out,
            args.texts,
            fps=args.fps,
            frames_per_code=args.frames_per_code,
            gap_frames=args.gap_frames,
        )
    except VideoWriteError as exc:
        parser.exit(1, f"{exc}\n")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
