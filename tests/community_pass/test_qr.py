"""The QR PNG of a pass reads back (with a real decoder) as the same text."""

from __future__ import annotations

from pathlib import Path

import cv2
import zxingcpp

from edge.verify.community_pass import CommunityPassVerifier, write_qr_png
from tests.community_pass.conftest import NOW, Signer


def read_qr(path: Path) -> list[str]:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_png_decodes_to_the_pass_text(signer: Signer, tmp_path: Path) -> None:
    text = signer.issue()
    png = tmp_path / "pass.png"
    write_qr_png(text, png)
    assert read_qr(png) == [text]
    assert CommunityPassVerifier(signer.ring()).verify(read_qr(png)[0], at=NOW).valid


def test_png_still_reads_when_shrunk(signer: Signer, tmp_path: Path) -> None:
    """A camera sees the code smaller than printed; scale 2 is about what a phone shows."""
    text = signer.issue()
    png = tmp_path / "small.png"
    write_qr_png(text, png, scale=2)
    assert read_qr(png) == [text]
