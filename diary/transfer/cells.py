"""Write and read CSV text, keeping spreadsheet formulas inert.

Every cell is written in double quotes (RFC 4180), whatever separator a spreadsheet
guesses. A cell that a spreadsheet would run as a formula (OWASP "CSV injection") is
written with a leading apostrophe. Reading strips that apostrophe again, and
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


def neutralise(cell: str) -> str:
    """Prefix a cell that a spreadsheet would treat as a formula."""
    if _live(cell) or _looks_guarded(cell):
        return GUARD + cell
    return cell


def restore(cell: str) -> str:
    """Undo neutralise()."""
    return cell[1:] if _looks_guarded(cell) else cell


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


YES, NO = "yes", "no"


def yes_no(text: str, column: str, allowed: tuple[str, ...] = (YES, NO)) -> bool | None:
    """Return a yes/no cell as True, False or None (empty: not answered)."""
    if text == "":
        return None
    if text not in allowed:
        said = " or ".join(f"'{word}'" for word in allowed)
        raise EntryError({column: f"{column} must be {said}, or empty; not '{text}'."})
    return text == YES


def yes_no_cell(value: bool | None) -> str:
    """Return True, False or None (not answered) as a yes/no cell."""
    return "" if value is None else YES if value else NO


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
        writer.writerow(neutralise(cell) for cell in row)
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
                    yield line, [restore(cell) for cell in cells]
                line = reader.line_num + 1
        except csv.Error as exc:
            raise MalformedCsv(line, str(exc)) from None

    return header, records()
