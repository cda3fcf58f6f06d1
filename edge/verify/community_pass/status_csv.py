"""A status list as a spreadsheet keeps it: CSV rows of a pass id and its state. Sans-IO.

::

    pass_id,state
    Jk3q9XbT2mQe,red
    q9XJk3bT2mQa,revoked

The header row is optional; blank lines and lines starting with ``#`` are skipped; states are
green, yellow, red or revoked, in any case. Every bad row is reported at once, by line number,
so that a list of thousands is fixed in one go. An empty file is an empty list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from edge.verify.community_pass.errors import CommunityPassError
from edge.verify.community_pass.status_list import PassState
from edge.verify.community_pass.token import valid_id

HEADER = ("pass_id", "state")
#: bad rows named in one error; a file with more is most likely not a status list at all
MAX_PROBLEMS = 20

# What a person reads, kept together.
WRONG_CELLS = "line {line}: expected two cells, pass id and state; found {count}"
BAD_PASS_ID = "line {line}: pass id {value!r} must be 1-128 of A-Z a-z 0-9 . _ : @ -"  # noqa: S105
BAD_STATE = "line {line}: state {value!r} is not green, yellow, red or revoked"
TWICE = "line {line}: pass id {value!r} is already on line {first}"
MORE = "... and {count} more"
UNREADABLE = "line {line}: not CSV ({reason})"


class StatusCsvError(CommunityPassError):
    """A CSV that is not a status list; ``problems`` are lines for people, by line number."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(MORE.format(count=len(problems) - MAX_PROBLEMS))
        super().__init__("\n".join(shown))


def _rows(reader: Iterator[list[str]], problems: list[str]) -> Iterator[list[str]]:
    """The reader's rows; a line the csv module cannot read ends the file, as a problem."""
    try:
        yield from reader
    except csv.Error as exc:  # a cell over the csv module's size limit, say
        problems.append(UNREADABLE.format(line=getattr(reader, "line_num", 0), reason=exc))


def parse_status_csv(text: str) -> dict[str, str]:
    """CSV text -> pass id -> state (lower case). Raises :class:`StatusCsvError`."""
    entries: dict[str, str] = {}
    first_line: dict[str, int] = {}
    problems: list[str] = []
    states = {state.value for state in PassState}
    reader = csv.reader(io.StringIO(text))
    for row in _rows(reader, problems):
        line = reader.line_num  # the file's line (a quoted cell may span several)
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if tuple(cell.lower() for cell in cells) == HEADER and not entries and not problems:
            continue
        if len(cells) != 2:
            problems.append(WRONG_CELLS.format(line=line, count=len(cells)))
            continue
        pass_id, state = cells[0], cells[1].lower()
        if not valid_id(pass_id):
            problems.append(BAD_PASS_ID.format(line=line, value=pass_id))
        elif state not in states:
            problems.append(BAD_STATE.format(line=line, value=cells[1]))
        elif pass_id in first_line:
            problems.append(TWICE.format(line=line, value=pass_id, first=first_line[pass_id]))
        else:
            first_line[pass_id] = line
            entries[pass_id] = state
    if problems:
        raise StatusCsvError(problems)
    return entries
