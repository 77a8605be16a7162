"""Write and read CSV text, keeping spreadsheet formulas inert.

Every cell is written in double quotes (RFC 4180), whatever separator a spreadsheet
guesses. A cell that a spreadsheet would run as a formula (OWASP "CSV injection") is
written with a leading apostrophe, and so is each piece of a cell with more cells after
it (medications.csv's note) that follows a ";" or a tab, where a spreadsheet opening the
file with that separator would split the row. Reading strips those apostrophes again, and
only where writing would have added it, so that export -> import -> export
gives the same bytes and a foreign file's "'quoted" note stays as it was.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator

from diary.rules import EntryError

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
# LibreOffice with "trim spaces" on also reads " =1+1" as a formula.
FORMULA_STARTS = frozenset("=+-@")
GUARD = "'"
# Where a spreadsheet opening the file with another separator would split a cell.
SPLITS = re.compile(r"([;\t])")
# A time as a spreadsheet saves it back: seconds added, or a space for the T.
SAVED_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2}))?$")


class MalformedCsv(ValueError):
    """The text is not CSV; line says where reading stopped."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"Not valid CSV: {reason}.")
        self.line = line


def _live(cell: str) -> bool:
    """Tell whether a spreadsheet could run the cell as a formula."""
    return cell[:1] in FORMULA_TRIGGERS or cell.lstrip()[:1] in FORMULA_STARTS


def _looks_guarded(cell: str) -> bool:
    return cell[:1] == GUARD and (_live(cell[1:]) or cell[1:2] == GUARD)


def _guarded(piece: str) -> str:
    return GUARD + piece if _live(piece) or _looks_guarded(piece) else piece


def _unguarded(piece: str) -> str:
    return piece[1:] if _looks_guarded(piece) else piece


def neutralise(cell: str, inner: bool = False) -> str:
    """Prefix a cell that a spreadsheet would treat as a formula; an inner cell (one with more
    after it in its row) also each piece after a ";" or a tab, where a spreadsheet opening
    the file with that separator would split it and run what follows."""
    cell = _guarded(cell)
    if not inner:
        return cell
    pieces = SPLITS.split(cell)
    return "".join(p if n % 2 or not n else _guarded(p) for n, p in enumerate(pieces))


def restore(cell: str, inner: bool = False) -> str:
    """Undo neutralise()."""
    if inner:
        pieces = SPLITS.split(cell)
        cell = "".join(p if n % 2 or not n else _unguarded(p) for n, p in enumerate(pieces))
    return _unguarded(cell)


def minute_time(text: str, column: str) -> str:
    """Return a time cell as the diary writes it (YYYY-MM-DDTHH:MM), read as a spreadsheet
    saved it (seconds added, a space for the T); other text is left for the service to judge.

    Seconds other than :00 are refused: the diary keeps times to the minute.
    """
    found = SAVED_TIME.match(text.strip())
    if found is None:
        return text
    day, clock, seconds = found.groups()
    if seconds not in (None, "00"):
        raise EntryError(
            {
                column: f"Time '{text}' has seconds (:{seconds}); the diary keeps times to"
                " the minute: write :00 or leave the seconds out."
            }
        )
    return f"{day}T{clock}"


def csv_chunks(
    header: Iterable[str], rows: Iterable[Iterable[str]], batch: int = 1000
) -> Iterator[str]:
    """Yield CSV text with a header row and neutralised cells, batch rows at a time."""
    out = io.StringIO()
    # Every cell quoted: a spreadsheet opening the file with ";" or tab as separator would
    # otherwise split an unquoted "x;=1+1" into a live formula.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        cells = list(row)
        writer.writerow(neutralise(c, n < len(cells) - 1) for n, c in enumerate(cells))
        if n % batch == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def read_csv(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Return the header and an iterator of (first line number, restored cells) per record.

    Blank lines are skipped. Raises MalformedCsv, also while iterating, for text that is not CSV.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise MalformedCsv(reader.line_num, str(exc)) from None

    def records() -> Iterator[tuple[int, list[str]]]:
        line = reader.line_num + 1
        try:
            for cells in reader:
                if cells:
                    last = len(cells) - 1
                    yield line, [restore(c, n < last) for n, c in enumerate(cells)]
                line = reader.line_num + 1
        except csv.Error as exc:
            raise MalformedCsv(line, str(exc)) from None

    return header, records()
