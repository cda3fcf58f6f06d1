"""The printed pass sheet: issued through the CLI, rendered to an image, every card decoded by
the project's own camera decoder and verified by the community-pass verifier."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2

from edge.community.printing import PER_PAGE, qr_box
from edge.verify.community_pass import KeyRing, keygen
from edge.verify.community_pass.verifier import CommunityPassVerifier
from firmware_interfaces.camera.decoder import Decoder
from tests.community.helpers import cli, households_csv, write_config

DPI = 150  # a plain office scan; a module is ~4 pixels


def _render(pdf: bytes) -> list[object]:
    document = pypdfium2.PdfDocument(pdf)
    return [page.render(scale=DPI / 72, grayscale=True).to_numpy() for page in document]


def test_every_card_of_a_printed_sheet_decodes_to_its_pass(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    private, public = keygen("Ed25519", "sunny-2026", tmp_path / "keys")
    (tmp_path / "households.csv").write_bytes(households_csv(6))  # 12 members: two pages
    assert (
        cli("households", "import", tmp_path / "households.csv", "--config", config).returncode == 0
    )
    sheet = tmp_path / "cards.pdf"
    done = cli(
        "households", "passes", "--config", config, "--key", private, "--kid", "sunny-2026",
        "--pdf", sheet,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "issued 12 pass(es) in batch 1" in done.stdout
    with sqlite3.connect(tmp_path / "var" / "gateway.db") as db:
        issued = [
            row[0]
            for row in db.execute(
                "SELECT p.text FROM passes p JOIN members m ON m.id = p.member_id"
                " JOIN households h ON h.id = m.household_id"
                " ORDER BY h.building, h.unit, h.room, m.id"
            )
        ]
    pages = _render(sheet.read_bytes())
    assert len(pages) == 2
    decoder = Decoder()
    verifier = CommunityPassVerifier(KeyRing.from_paths([public]))
    px = DPI / 25.4
    decoded = []
    for index in range(len(issued)):
        image = pages[index // PER_PAGE]
        left, top, size = qr_box(index)
        card = image[
            int(top * px) : int((top + size) * px), int(left * px) : int((left + size) * px)
        ]  # type: ignore[index]
        texts = decoder.decode(card, budget_ms=2000)
        assert len(texts) == 1, f"card {index} did not decode"
        decoded.append(texts[0])
    assert decoded == issued
    for text in decoded:
        verdict = verifier.verify(text, at=datetime.now(UTC))
        assert verdict.valid and verdict.status is not None and verdict.status.value == "green"


def test_a_batch_prints_again_from_the_cli(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    private, _public = keygen("Ed25519", "k1", tmp_path / "keys")
    (tmp_path / "h.csv").write_bytes(households_csv(3))  # one member without a phone
    cli("households", "import", tmp_path / "h.csv", "--config", config)
    cli(
        "households",
        "passes",
        "--config",
        config,
        "--key",
        private,
        "--kid",
        "k1",
        "--without-phone",
    )
    again = cli(
        "households", "sheet", "--config", config, "--batch", "1", "--pdf", tmp_path / "a.pdf"
    )
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    missing = cli(
        "households", "sheet", "--config", config, "--batch", "9", "--pdf", tmp_path / "b.pdf"
    )
    assert missing.returncode == 1
    assert "no pass to print" in missing.stderr


def _text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "".join(page.get_textpage().get_text_range() for page in document)


def test_the_report_pdf_is_printed_in_chinese_unless_asked_otherwise(tmp_path: Path) -> None:
    """For the sub-district office: Chinese by default (where the pages follow each browser),
    English when asked, and a language with no catalogue refused in words."""
    config = write_config(tmp_path)
    chinese = cli("report", "--config", config, "--pdf", tmp_path / "zh.pdf")
    assert chinese.returncode == 0, chinese.stderr
    assert "日报" in _text((tmp_path / "zh.pdf").read_bytes())
    english = cli("report", "--config", config, "--pdf", tmp_path / "en.pdf", "--language", "en")
    assert english.returncode == 0, english.stderr
    text = _text((tmp_path / "en.pdf").read_bytes())
    assert "Daily report" in text and "日报" not in text
    unknown = cli("report", "--config", config, "--pdf", tmp_path / "xx.pdf", "--language", "xx")
    assert unknown.returncode == 2
    assert "no catalogue for the language 'xx'" in unknown.stderr
    assert not (tmp_path / "xx.pdf").exists()
