"""Printed matter: the pass-card sheet (PDF, A4) for residents without a phone.

Eight cards per A4 page (two across, four down), each with the pass's QR code at a size a
gate scanner reads off paper as it reads a phone screen (about 0.7 mm a module), the member's
name and room beside it, and dashed cut lines between the cards. The QR code is drawn as
vector rectangles from segno's matrix, so it stays sharp at any printer resolution.

fpdf2 (the 'community' extra) writes the PDF; names in Chinese need a TrueType font with
Chinese characters (``community.font_file``, or one of :data:`FONT_CANDIDATES`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.community.errors import NotConfiguredError
from edge.core.words import N_

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),  # fonts-droid-fallback
    Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"),  # fonts-arphic-gkai00mp
)
#: Latin letters and digits (the Chinese fonts above have few); Chinese falls back to those
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core

# The card grid, in millimetres (A4 is 210 x 297).
PAGE_W, PAGE_H = 210.0, 297.0
COLUMNS, ROWS = 2, 4
MARGIN_X, MARGIN_Y = 10.0, 10.5
CARD_W = (PAGE_W - 2 * MARGIN_X) / COLUMNS  # 95
CARD_H = (PAGE_H - 2 * MARGIN_Y) / ROWS  # 69
QR_SIZE = 55.0  # the code with its quiet zone
QR_BORDER = 4  # quiet-zone modules on each side
PER_PAGE = COLUMNS * ROWS

# -- what a person reads: English templates in the catalogue (edge/i18n); the sheet is printed
# in the language of whoever asked for it (``gettext``) -------------------------------------------
CARD_TITLE = N_("Community pass")
VALID_UNTIL = N_("valid until {date}")
CUT_HINT = N_("cut along the dashed lines")
NO_FONT = N_(
    "no font with Chinese characters was found: install Debian's fonts-droid-fallback"
    " or set community.font_file to a TrueType font"
)
NOT_A_FONT = N_("{path} is not a file")
NEEDS_EXTRA = N_(
    "printing needs the 'community' extra: pip install 'community-checkpoint-gateway[community]'"
)
Gettext = Callable[[str], str]


def english(message: str) -> str:
    """The gettext of the source language: the message as it is."""
    return message


@dataclass(frozen=True, slots=True)
class Card:
    name: str
    household: str  # "3-2-501"
    text: str  # the QR text
    valid_until: str  # "2027-02-28"


def card_box(index: int) -> tuple[float, float]:
    """Top-left corner (mm) of card ``index`` on its page."""
    slot = index % PER_PAGE
    return MARGIN_X + (slot % COLUMNS) * CARD_W, MARGIN_Y + (slot // COLUMNS) * CARD_H


def qr_box(index: int) -> tuple[float, float, float]:
    """Left, top and size (mm) of card ``index``'s QR code, quiet zone included."""
    x, y = card_box(index)
    return x + 3.0, y + (CARD_H - QR_SIZE) / 2, QR_SIZE


def find_font(configured: Path | None) -> Path:
    if configured is not None:
        if not configured.is_file():
            raise NotConfiguredError("font_file", NOT_A_FONT.format(path=configured))
        return configured
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise NotConfiguredError("font_file", NO_FONT)


def fpdf_module() -> Any:
    try:
        import fpdf
    except ModuleNotFoundError:
        raise NotConfiguredError("printing", NEEDS_EXTRA) from None
    return fpdf


def pass_sheet(cards: Sequence[Card], font: Path, gettext: Gettext = english) -> bytes:
    """The PDF of ``cards``, eight to an A4 page, its words through ``gettext``."""
    fpdf = fpdf_module()
    import segno  # base dependency (issue-pass draws codes with it)

    pdf = fpdf.FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creator("community-checkpoint-gateway")
    fonts(pdf, font)
    for index, card in enumerate(cards):
        if index % PER_PAGE == 0:
            pdf.add_page()
            _cut_lines(pdf, min(PER_PAGE, len(cards) - index), gettext)
        _card(pdf, index, card, segno, gettext)
    return bytes(pdf.output())


def fonts(pdf: Any, font: Path) -> None:
    if LATIN_FONT.is_file() and font != LATIN_FONT:
        pdf.add_font("body", fname=str(LATIN_FONT))
        pdf.add_font("chinese", fname=str(font))
        pdf.set_fallback_fonts(["chinese"])
    else:
        pdf.add_font("body", fname=str(font))


def _cut_lines(pdf: Any, cards_on_page: int, gettext: Gettext) -> None:
    rows = (cards_on_page + COLUMNS - 1) // COLUMNS
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=2)
    bottom = MARGIN_Y + rows * CARD_H
    for r in range(rows + 1):
        y = MARGIN_Y + r * CARD_H
        pdf.line(MARGIN_X - 5, y, PAGE_W - MARGIN_X + 5, y)
    for c in range(COLUMNS + 1):
        x = MARGIN_X + c * CARD_W
        pdf.line(x, MARGIN_Y - 5, x, bottom + 5)
    pdf.set_dash_pattern()
    pdf.set_font("body", size=7)
    pdf.set_text_color(120)
    pdf.text(MARGIN_X, PAGE_H - 3, gettext(CUT_HINT))
    pdf.set_text_color(0)


def _card(pdf: Any, index: int, card: Card, segno: Any, gettext: Gettext) -> None:
    left, top, size = qr_box(index)
    qr = segno.make_qr(card.text, error="m", mode="byte")
    matrix = [bytes(row) for row in qr.matrix]
    modules = len(matrix) + 2 * QR_BORDER
    step = size / modules
    pdf.set_fill_color(0)
    for r, row in enumerate(matrix):
        c = 0
        width = len(row)
        while c < width:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < width and row[c]:
                c += 1
            pdf.rect(
                left + (QR_BORDER + start) * step,
                top + (QR_BORDER + r) * step,
                (c - start) * step + 0.01,  # overlap a hair: no white seams between runs
                step + 0.01,
                style="F",
            )
    x, y = card_box(index)
    text_x = left + size + 2.0
    text_w = x + CARD_W - text_x - 3.0
    pdf.set_xy(text_x, y + 8)
    pdf.set_font("body", size=8)
    pdf.set_text_color(90)
    pdf.multi_cell(text_w, 4, gettext(CARD_TITLE), align="L")
    pdf.set_text_color(0)
    pdf.set_xy(text_x, y + 18)
    pdf.set_font("body", size=16)
    pdf.multi_cell(text_w, 7.5, card.name, align="L")
    pdf.set_xy(text_x, pdf.get_y() + 2)
    pdf.set_font("body", size=13)
    pdf.multi_cell(text_w, 6.5, card.household, align="L")
    pdf.set_xy(text_x, y + CARD_H - 14)
    pdf.set_font("body", size=8)
    pdf.set_text_color(90)
    note = gettext(VALID_UNTIL).format(date=card.valid_until)
    pdf.multi_cell(text_w, 4, note, align="L")
    pdf.set_text_color(0)
