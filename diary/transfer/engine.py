"""Import and export diary CSV files, all or nothing."""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from diary.extensions import db
from diary.models import User
from diary.rules import EntryError
from diary.services.spans import DayRange, whole_diary
from diary.sqlite import read_phase
from diary.transfer import daily_csv, fhir
from diary.transfer.base import CsvFormat
from diary.transfer.cells import (
    EXACT,
    Convention,
    MalformedCsv,
    csv_chunks,
    decimal_point,
    read_csv,
)
from diary.transfer.formats import COLUMN_NAMES, FORMATS, format_for


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


# A file of 700,000 bad rows must not make a 67 MB page: list the first ones and count the rest.
PROBLEMS_SHOWN = 100


class ImportRejected(Exception):
    """Nothing was imported; problems says why, row by row."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"nothing imported: {len(problems)} problem(s), first: {problems[0]}")
        self.problems = problems


@dataclass
class ImportSummary:
    added: dict[str, int] = field(default_factory=dict)
    already_present: dict[str, int] = field(default_factory=dict)
    # Per file: the first and last day of the rows it added.
    spans: dict[str, tuple[date, date]] = field(default_factory=dict)

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


@dataclass
class _Parsed:
    fmt: CsvFormat
    # Each row's checked values.
    rows: list[dict]


@dataclass
class PreparedImport:
    """What an import will add, per format in import order, and what it already holds."""

    new: dict[CsvFormat, list]
    already_present: dict[str, int]
    spans: dict[str, tuple[date, date]] = field(default_factory=dict)


def import_files(user: User, files: dict[str, bytes]) -> ImportSummary:
    """Validate every row of every file, then add the rows the diary does not hold yet.

    Raises ImportRejected, having written nothing, when any row is invalid.
    Rows already present (the same values, counted with repeats) are skipped,
    so importing a file twice adds nothing the second time. The checks run in a
    read-only transaction: the write lock is held only while the rows go in,
    so other household members' writes wait for well under a second. What the
    session held before is committed first; the caller commits the import.
    """
    with read_phase(db.session):
        prepared = prepare_import(user, files)
    return apply_import(user, prepared)


def prepare_import(user: User, files: dict[str, bytes]) -> PreparedImport:
    """Parse and check every row, and leave out the rows the diary already holds (reads only)."""
    problems: list[Problem] = []
    parsed: list[_Parsed] = []
    for name, data in files.items():
        result = _parse_file(user, name, data, problems)
        if result is not None:
            parsed.append(result)
    if not parsed and not problems:
        problems.append(Problem("(upload)", 0, "No file was given."))
    if problems:
        raise ImportRejected(problems)

    prepared = PreparedImport({}, {})
    # Formats in their declared order, so that e.g. treatments exist before what refers to them.
    for fmt in FORMATS:
        if not any(p.fmt is fmt for p in parsed):
            continue
        rows = [row for p in parsed if p.fmt is fmt for row in p.rows]
        present = Counter(fmt.existing(user))
        new = []
        for row in rows:
            record = fmt.record(row)
            if present[record] > 0:
                present[record] -= 1
            else:
                new.append(row)
        prepared.new[fmt] = fmt.prepare_rows(new)
        prepared.already_present[fmt.filename] = len(rows) - len(new)
        if days := _days(fmt, new):
            prepared.spans[fmt.filename] = (min(days), max(days))
    return prepared


def _days(fmt: CsvFormat, rows: list[dict]) -> list[date]:
    """Return the day of each row, by its format's date column (sort_by or the first)."""
    key = getattr(fmt, "sort_by", None) or fmt.header[0]
    values = (row.get(key) for row in rows)
    return [v.date() if isinstance(v, datetime) else v for v in values if isinstance(v, date)]


def apply_import(user: User, prepared: PreparedImport) -> ImportSummary:
    """Add the prepared rows in bulk (flush, no commit)."""
    summary = ImportSummary(already_present=prepared.already_present, spans=prepared.spans)
    for fmt, records in prepared.new.items():
        try:
            fmt.store_many(user, records)
        except EntryError as exc:
            # A rule only the stored diary can answer (a PGIC row's treatment): nothing is kept.
            raise ImportRejected([Problem(fmt.filename, 0, str(exc))]) from None
        summary.added[fmt.filename] = len(records)
    db.session.flush()
    return summary


def _parse_file(user, name, data, problems) -> _Parsed | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, 1, f"The file is not UTF-8 text (byte {exc.start})."))
        return None
    try:
        header, records = read_csv(text, COLUMN_NAMES)
    except MalformedCsv as exc:
        problems.append(Problem(name, exc.line, str(exc)))
        return None
    if not header:
        problems.append(Problem(name, 1, "The file is empty."))
        return None
    fmt = format_for(name, header)
    if fmt is None:
        expected = "; ".join(f"{f.filename} ({','.join(f.header)})" for f in FORMATS)
        problems.append(Problem(name, 1, f"Not a diary CSV file. Expected one of: {expected}."))
        return None
    reason = fmt.header_problem(header)
    if reason:
        problems.append(Problem(name, 1, reason))
        return None

    out = []
    try:
        for line, cells in records:
            if len(cells) != len(header):
                problems.append(
                    Problem(name, line, f"{len(cells)} cells, but the header has {len(header)}.")
                )
                continue
            row = dict(zip(header, cells, strict=True))
            for column in fmt.numbers & row.keys():
                row[column] = decimal_point(row[column])
            try:
                out.append(fmt.parse(user, row))
            except ValueError as exc:
                problems.append(Problem(name, line, str(exc)))
    except MalformedCsv as exc:
        problems.append(Problem(name, exc.line, str(exc)))
    return _Parsed(fmt, out)


EXPORT_ONLY = (daily_csv.FILENAME, fhir.FILENAME, fhir.TRANSACTION_FILENAME)


def export_names() -> list[str]:
    """Return the names of every file the diary exports."""
    return [fmt.filename for fmt in FORMATS] + list(EXPORT_ONLY)


def every_export(user: User) -> Iterator[tuple[tuple[str, ...], Iterable[tuple[str, ...]]]]:
    """Yield each exported file's name with its pieces as export_chunks() makes them; the
    two FHIR files come together, their pieces side by side (each entry made once for both).
    """
    for name in export_names():
        if name == fhir.FILENAME:
            names = (fhir.FILENAME, fhir.TRANSACTION_FILENAME)
            yield names, fhir.bundle_pieces(user, (False, True))
        elif name != fhir.TRANSACTION_FILENAME:
            yield (name,), ((chunk,) for chunk in export_chunks(user, name))


def export_chunks(
    user: User, name: str, span: DayRange | None = None, convention: Convention = EXACT
) -> Iterator[str]:
    """Yield one exported file in pieces; daily.csv covers span (default: the whole diary).

    CSV files are written in convention (the FHIR file is JSON and has none).
    """
    for fmt in FORMATS:
        if fmt.filename == name:
            return csv_chunks(fmt.header, fmt.export_rows(user), convention, fmt.numbers)
    if name == daily_csv.FILENAME:
        span = span or whole_diary(user)
        return daily_csv.daily_chunks(user, span.first, span.last, convention)
    if name in (fhir.FILENAME, fhir.TRANSACTION_FILENAME):
        return fhir.fhir_chunks(user, transaction=name == fhir.TRANSACTION_FILENAME)
    raise KeyError(name)
