"""``decode-image``: the QR codes in image files, one JSON line a file.

The ``edge-gateway`` CLI calls :func:`register` to add the subcommand; OpenCV and the decoder
are imported only when it runs, so ``edge-gateway --help`` works without the camera extra.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Off the camera's real-time path there is time for every step, OpenCV's detector included.
_DEFAULT_BUDGET_MS = 250.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``decode-image FILE...`` to a CLI."""
    parser = subparsers.add_parser(
        "decode-image",
        help="print the QR codes found in image files, one JSON line per file",
        description=(
            'For each FILE print {"file": ..., "texts": [...], "ms": ...}: the QR code texts '
            "the camera decoder finds in it and the milliseconds it took. A file that cannot "
            'be read as an image gets "texts": [] and an "error" in words. Exit status 0 if '
            "every file could be read, 1 otherwise."
        ),
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="PNG, JPEG, BMP...")
    parser.add_argument(
        "--budget-ms",
        type=_positive,
        default=_DEFAULT_BUDGET_MS,
        metavar="MS",
        help="time the decoder may spend on one image (default: %(default)s)",
    )
    parser.set_defaults(func=run_decode_image)


def run_decode_image(args: argparse.Namespace) -> int:
    from firmware_interfaces.camera.decoder import Decoder

    decoder = Decoder()
    all_read = True
    for path in args.files:
        line: dict[str, Any] = {"file": str(path)}
        image, error = read_image(path)
        if image is None:
            all_read = False
            line.update(texts=[], ms=0.0, error=error)
        else:
            decoded = decoder.decode_detailed(image, budget_ms=args.budget_ms)
            line.update(texts=list(decoded.texts), ms=round(decoded.milliseconds, 2))
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0 if all_read else 1


def read_image(path: Path) -> tuple[np.ndarray | None, str]:
    """The image at ``path`` (BGR, 8-bit), or None and why not, in words."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "no such file"
    except IsADirectoryError:
        return None, "is a directory, not an image"
    except OSError as exc:
        return None, f"cannot read the file: {exc.strerror or exc}"
    if not data:
        return None, "the file is empty"
    import cv2  # run_decode_image has imported the decoder: the camera extra is there
    import numpy as np

    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is None:
        return None, "not an image OpenCV can read (corrupt, truncated or an unknown format)"
    return image, ""


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run ``decode-image`` on its own (``python -m firmware_interfaces.camera.command``)."""
    parser = argparse.ArgumentParser(prog="decode-image")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["decode-image", *(sys.argv[1:] if argv is None else argv)])
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
