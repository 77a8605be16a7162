"""Write and read CSV text, keeping spreadsheet formulas inert.

Every cell is written in double quotes (RFC 4180), whatever separator a spreadsheet
guesses. A cell that a spreadsheet would run as a formula (OWASP "CSV injection") is
written with a leading apostrophe. Reading strips that apostrophe again, and
only where writing would have added it, so that export -> import -> export
gives the same bytes and a foreign file's "'quoted" note stays as it was.
"""

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
GUARD = "'"


class MalformedCsv(ValueError):
    """The text is not CSV; line says where reading stopped."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"Not valid CSV: {reason}.")
        self.line = line


def _looks_guarded(cell: str) -> bool:
    return cell[:1] == GUARD and (cell[1:2] in FORMULA_TRIGGERS or cell[1:2] == GUARD)


def neutralise(cell: str) -> str:
    """Prefix a cell that a spreadsheet would treat as a formula."""
    if cell[:1] in FORMULA_TRIGGERS or _looks_guarded(cell):
        return GUARD + cell
    return cell


def restore(cell: str) -> str:
    """Undo neutralise()."""
    return cell[1:] if _looks_guarded(cell) else cell


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
