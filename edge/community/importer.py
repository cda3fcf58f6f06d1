"""Reading a household spreadsheet (CSV or XLSX) into checked member rows. Sans-IO: bytes in.

One row per member; the household is the row's building, unit and room, so a household of
three is three rows with the same address (a row without a name adds an empty household).
Headers may be in English or Chinese (:data:`HEADERS`). Every problem is collected, each
with its line, before anything is written: a file with one bad row imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from edge.community.errors import ImportRefusedError, RowProblem
from edge.core.words import N_

MAX_ROWS = 100_000
MAX_FIELD = 100

#: column -> the header names it is known by (compared without case or spaces)
HEADERS: dict[str, tuple[str, ...]] = {
    "building": ("building", "楼栋", "楼号", "栋", "楼"),
    "unit": ("unit", "单元", "单元号"),
    "room": ("room", "房号", "房间", "房间号", "门牌号"),
    "name": ("name", "姓名", "名字"),
    "phone": ("phone", "电话", "手机", "手机号", "联系电话"),
    "id_last4": ("id_last4", "身份证后四位", "证件后四位", "id last 4"),
    "has_phone": ("has_phone", "有智能手机", "有手机", "smartphone"),
}
REQUIRED = ("building", "room")
_YES = {"1", "yes", "y", "true", "是", "有"}
_NO = {"0", "no", "n", "false", "否", "无", "没有"}
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,19}$")
_ID_LAST4 = re.compile(r"^[0-9]{3}[0-9Xx]$")
_ADDRESS_PART = re.compile(r"^[^\x00-\x1f\x7f/\\]{1,20}$")

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
EMPTY_FILE = N_("the file is empty")
MISSING_COLUMN = N_("no column '{column}' (known as: {names})")
UNKNOWN_COLUMN = N_("unknown column '{header}'")
TWICE_COLUMN = N_("two columns mean '{column}'")
REQUIRED_VALUE = N_("is empty")
TOO_LONG = N_("is longer than {n} characters")
BAD_ADDRESS = N_("must be 1 to 20 characters without '/' or '\\'")
BAD_PHONE = N_("is not a phone number")
BAD_ID_LAST4 = N_("must be the last 4 characters of an identity number (digits, the last may be X)")
BAD_FLAG = N_("must be yes or no")
DUPLICATE = N_("{name} is already in household {household} (line {line})")
TOO_MANY = N_("more than {n} rows")
FILE_NOT_TEXT = N_("the file is not text in UTF-8 or GB18030")
FILE_NOT_XLSX = N_("the file is not an XLSX workbook: {why}")
XLSX_NEEDS_EXTRA = N_("XLSX needs the 'community' extra; save the sheet as CSV")
#: a column's name in words (the page names a bad row's column with these)
COLUMN_WORDS = {
    "building": N_("building"),
    "unit": N_("unit"),
    "room": N_("room"),
    "name": N_("name"),
    "phone": N_("phone"),
    "id_last4": N_("last 4 of the identity number"),
    "has_phone": N_("has a smartphone"),
}


@dataclass(frozen=True, slots=True)
class MemberRow:
    line: int
    building: str
    unit: str
    room: str
    name: str  # "" for a household row without members
    phone: str
    id_last4: str
    has_phone: bool

    @property
    def address(self) -> tuple[str, str, str]:
        return (self.building, self.unit, self.room)


def address_label(building: str, unit: str, room: str) -> str:
    """``3-2-501`` (building-unit-room), ``3-501`` without a unit."""
    return "-".join(part for part in (building, unit, room) if part)


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().lower().replace("_", " "))


_BY_NAME = {_norm(name): column for column, names in HEADERS.items() for name in names}


def read_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of a CSV file in UTF-8 (with or without BOM) or GB18030 (Excel's
    Chinese CSV); the delimiter (comma, semicolon, tab) is guessed from the first line."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefusedError([RowProblem(1, None, FILE_NOT_TEXT)])
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for cells in reader:
        yield reader.line_num, cells


def read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of the first sheet of an XLSX workbook."""
    try:
        import openpyxl  # type: ignore[import-untyped]  # the community extra, for XLSX only
    except ModuleNotFoundError:
        raise ImportRefusedError([RowProblem(1, None, XLSX_NEEDS_EXTRA)]) from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl's own errors: all "not a workbook"
        raise ImportRefusedError([RowProblem(1, None, FILE_NOT_XLSX.format(why=exc))]) from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a room typed as 501 is stored as 501.0
    return str(value)


def read_file(name: str, data: bytes) -> Iterator[tuple[int, list[str]]]:
    if name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return read_xlsx(data)
    return read_csv(data)


def parse(rows: Iterable[tuple[int, list[str]]]) -> list[MemberRow]:
    """Checked member rows; raises :class:`ImportRefusedError` listing every bad row."""
    problems: list[RowProblem] = []
    iterator = iter(rows)
    header: list[str] | None = None
    for line, cells in iterator:
        if any(c.strip() for c in cells):
            header = cells
            header_line = line
            break
    if header is None:
        raise ImportRefusedError([RowProblem(1, None, EMPTY_FILE)])
    columns = _columns(header, header_line, problems)
    if problems:
        raise ImportRefusedError(problems)
    members: list[MemberRow] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, cells in iterator:
        if not any(c.strip() for c in cells):
            continue
        if len(members) >= MAX_ROWS:
            problems.append(RowProblem(line, None, TOO_MANY.format(n=f"{MAX_ROWS:,}")))
            break
        row = _row(line, cells, columns, problems)
        if row is None:
            continue
        if row.name:
            key = (*row.address, row.name)
            if key in seen:
                label = address_label(*row.address)
                problems.append(
                    RowProblem(
                        line,
                        "name",
                        DUPLICATE.format(name=row.name, household=label, line=seen[key]),
                    )
                )
                continue
            seen[key] = line
        members.append(row)
    if problems:
        raise ImportRefusedError(problems)
    return members


def _columns(header: list[str], line: int, problems: list[RowProblem]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        if not title.strip():
            continue
        column = _BY_NAME.get(_norm(title))
        if column is None:
            problems.append(RowProblem(line, None, UNKNOWN_COLUMN.format(header=title[:40])))
        elif column in columns:
            problems.append(RowProblem(line, None, TWICE_COLUMN.format(column=column)))
        else:
            columns[column] = index
    for column in (*REQUIRED, "name"):
        if column not in columns:
            names = ", ".join(HEADERS[column])
            problems.append(
                RowProblem(line, None, MISSING_COLUMN.format(column=column, names=names))
            )
    return columns


def _row(
    line: int, cells: list[str], columns: dict[str, int], problems: list[RowProblem]
) -> MemberRow | None:
    before = len(problems)

    def value(column: str) -> str:
        index = columns.get(column)
        text = cells[index].strip() if index is not None and index < len(cells) else ""
        if len(text) > MAX_FIELD:
            problems.append(RowProblem(line, column, TOO_LONG.format(n=MAX_FIELD)))
        return text

    building, unit, room = value("building"), value("unit"), value("room")
    for column, text in (("building", building), ("room", room)):
        if not text:
            problems.append(RowProblem(line, column, REQUIRED_VALUE))
    for column, text in (("building", building), ("unit", unit), ("room", room)):
        if text and not _ADDRESS_PART.match(text):
            problems.append(RowProblem(line, column, BAD_ADDRESS))
    name, phone, id_last4 = value("name"), value("phone"), value("id_last4")
    if phone and not _PHONE.match(phone):
        problems.append(RowProblem(line, "phone", BAD_PHONE))
    if id_last4 and not _ID_LAST4.match(id_last4):
        problems.append(RowProblem(line, "id_last4", BAD_ID_LAST4))
    flag = value("has_phone").lower()
    if flag and flag not in _YES | _NO:
        problems.append(RowProblem(line, "has_phone", BAD_FLAG))
    if len(problems) > before:
        return None
    return MemberRow(
        line, building, unit, room, name, phone, id_last4.upper(), flag not in _NO if flag else True
    )
