"""The QR PNG of a pass reads back (with a real decoder) as the same text."""

from __future__ import annotations

from pathlib import Path

import cv2
import zxingcpp

from edge.verify.community_pass import CommunityPassVerifier, write_qr_png
from tests.community_pass.conftest import NOW, Signer


def read_qr(path: Path) -> list[str]:
    """QR codes only, as the gate's scanner and camera read: with every format on, zxing-cpp now
    and then also "finds" a short 1D barcode inside a small QR code (seen: '6851' beside one
    ES256 pass at scale 2; the signature is random, so the image differs every run)."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in found]


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
