"""Write and read CSV text, keeping spreadsheet formulas inert.

A file is written in one of two conventions: the exact one (comma, decimal point, no byte
order mark), and the spreadsheet one of the reader's language (";" and decimal comma where
the language writes decimal commas, with a UTF-8 byte order mark so that the spreadsheet
reads the accents as UTF-8). Reading accepts either, and a file a spreadsheet saved back:
the separator is told from the header row, whose names are known.

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
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from babel.numbers import get_decimal_symbol

from diary.rules import EntryError, whole_minute

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
# LibreOffice with "trim spaces" on also reads " =1+1" as a formula.
FORMULA_STARTS = frozenset("=+-@")
GUARD = "'"
# A cell starting otherwise (and not with a space) is left as it is, unless it is split.
WATCHED_STARTS = FORMULA_TRIGGERS | {GUARD}
# A time as a spreadsheet saves it back: seconds added, or a space for the T.
SAVED_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2}))?$")
# Where a spreadsheet opening the file with another separator would split a cell.
SPLITS = re.compile(r"([;\t])")


BOM = "\ufeff"
# The separators a diary file may use, the first being the exact one.
SEPARATORS = (",", ";", "\t")
# A number with a decimal comma, as a spreadsheet in German, French or Spanish saves it.
DECIMAL_COMMA = re.compile(r"^([+-]?\d+),(\d+)$")


@dataclass(frozen=True)
class Convention:
    """How a file separates its cells and writes decimals, and whether it starts with a BOM."""

    separator: str = ","
    decimal: str = "."
    bom: bool = False


EXACT = Convention()


def spreadsheet_convention(language: str) -> Convention:
    """Return the convention a spreadsheet in language saves CSV files in.

    Where the decimal separator is a comma, the cell separator is ";" (as Excel and
    LibreOffice set to that language write it); the byte order mark says "UTF-8".
    """
    decimal = get_decimal_symbol(language or "en")
    return Convention(";" if decimal == "," else ",", decimal, bom=True)


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
    # Most cells start with a letter or a digit: tell them at once (a million cells an export).
    if not cell or (
        cell[0] not in WATCHED_STARTS
        and not cell[0].isspace()
        and not (inner and (";" in cell or "\t" in cell))
    ):
        return cell
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
    whole_minute(text, column)
    day, clock, _ = found.groups()
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


def decimal_point(cell: str) -> str:
    """Return a number cell with a decimal comma as the diary writes it ("6,5" -> "6.5")."""
    found = DECIMAL_COMMA.match(cell.strip())
    return f"{found[1]}.{found[2]}" if found else cell


def csv_chunks(
    header: Iterable[str],
    rows: Iterable[Iterable[str]],
    convention: Convention = EXACT,
    numbers: Collection[str] = (),
    batch: int = 1000,
) -> Iterator[str]:
    """Yield CSV text with a header row and neutralised cells, batch rows at a time.

    The cells of the columns named in numbers are written with the convention's decimal sign.
    """
    header = list(header)
    comma = convention.decimal != "."
    decimals = {n for n, name in enumerate(header) if comma and name in numbers}
    out = io.StringIO()
    if convention.bom:
        out.write(BOM)
    # Every cell quoted: a spreadsheet opening the file with ";" or tab as separator would
    # otherwise split an unquoted "x;=1+1" into a live formula.
    writer = csv.writer(
        out, delimiter=convention.separator, lineterminator="\r\n", quoting=csv.QUOTE_ALL
    )
    writer.writerow(header)
    # Every cell but a row's last has more after it.
    inner = [True] * (len(header) - 1) + [False]
    for n, row in enumerate(rows, start=1):
        if decimals:
            row = [
                c.replace(".", convention.decimal) if i in decimals else c
                for i, c in enumerate(row)
            ]
        writer.writerow([neutralise(cell, more) for cell, more in zip(row, inner, strict=True)])
        if n % batch == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def separator(text: str, names: Collection[str]) -> str:
    """Return the separator that splits the header row into known column names (else ",")."""
    first = text.split("\n", 1)[0].rstrip("\r")
    for candidate in SEPARATORS:
        cells = next(csv.reader([first], delimiter=candidate), [])
        if len(cells) > 1 and all(cell in names for cell in cells):
            return candidate
    return SEPARATORS[0]


def read_csv(
    text: str, names: Collection[str] = ()
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Return the header and an iterator of (first line number, restored cells) per record.

    The separator is the one that splits the header into names (comma when none does).
    Blank lines are skipped. Raises MalformedCsv, also while iterating, for text that is not CSV.
    """
    text = text.removeprefix(BOM)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=separator(text, names), strict=True
    )
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
