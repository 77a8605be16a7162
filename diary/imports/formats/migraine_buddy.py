"""Migraine Buddy: CSV export with a preamble of ongoing events, a blank line, then the
24-column attack table, every cell quoted.

`Started` is `MM/dd/yy H:mm` local time with its UTC offset in minutes east; `Lasted`
is `01h 00m` (or `1d 02h 15m`); medicine cells list `1x Sumatriptan, ...` by how much
they helped. Source: the real export in crmne/cluster-headache-tracker issue #81 and its
parser app/models/headache_log/migraine_buddy_export.rb.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import chain

from diary.imports.readers import Export, Unreadable, csv_records, items
from diary.imports.source import Attack, Entries, Source, Taken, symptoms

CODE, LABEL = "migraine_buddy", "Migraine Buddy CSV"
TABLE_START = '"#","Started","Lasted"'
# Each medicine column and the diary's answer for it: helpful or somewhat helpful counts
# as better, unhelpful as the same, unsure as not answered.
MEDICINE_COLUMNS = {
    "Helpful Medication": "better",
    "Somewhat Helpful Medication": "better",
    "Unhelpful Medication": "same",
    "Unsure Medication": None,
}
LEFT_OUT = {
    "Geohash": "location (geohash)",
    "Attack Location": "where the attack happened",
    "Affected Activities": "affected activities",
    "Most Bothersome Symptom": "most bothersome symptom",
    "Premonitory Symptoms": "premonitory symptoms",
    "Pain Positions": "pain positions",
    "Helpful Non Drug Relief Methods": "non-drug relief methods",
    "Somewhat Helpful Non Drug Relief Methods": "non-drug relief methods",
    "Unhelpful Non Drug Relief Methods": "non-drug relief methods",
    "Unsure Non Drug Relief Methods": "non-drug relief methods",
}
LASTED = re.compile(r"^(?:(\d+)d\s*)?(?:(\d+)h\s*)?(?:(\d+)m)?$")
COUNT = re.compile(r"^(\d+x)\s+(.+)$")
STARTED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d\d) (\d{1,2}):(\d\d)")
MONTH_FIRST, DAY_FIRST = "MM/dd/yy", "dd/MM/yy"


def detect(export: Export) -> bool:
    return TABLE_START in export.head


@contextmanager
def _table(export: Export) -> Iterator[Iterator[tuple[int, dict[str, str]]]]:
    """Open the attack table, after the preamble, as records with their line in the file."""
    with export.text() as text:
        lines = enumerate(text, start=1)
        found = next(((n, line) for n, line in lines if line.startswith(TABLE_START)), None)
        if found is None:
            raise Unreadable("The Migraine Buddy attack table is missing from this file.")
        number, header = found
        # The header line was read here: hand it back to the CSV reader with the rest.
        _, records = csv_records(chain([header], text), first_line=number)
        yield records


def _date_order(export: Export) -> tuple[str, str]:
    """Tell the file's date order from its dates, and say how it was told.

    The app writes MM/dd/yy in the export the formats README saw and dd/MM/yy in its
    HTML report, so the order probably follows the phone's language. A day above 12
    tells: in second place at once (the rest of the file is not read twice), in first
    place once no date has one in second place. A file where no date tells is read month
    first, and the preview says so.
    """
    firsts: set[int] = set()
    with _table(export) as records:
        for _, row in records:
            found = STARTED.fullmatch((row.get("Started") or "").strip())
            if not found:
                continue
            if int(found[2]) > 12:  # tells at once, whatever the rest of the file holds
                how = "Dates read month first (MM/dd/yy): a day above 12 comes second."
                return MONTH_FIRST, how
            firsts.add(int(found[1]))
    if max(firsts, default=0) > 12:
        return DAY_FIRST, "Dates read day first (dd/MM/yy): a day above 12 comes first."
    return MONTH_FIRST, (
        "Dates read month first (MM/dd/yy), as Migraine Buddy writes them in English;"
        " no date in this file tells the order (no day above 12)."
    )


def _started(text: str, order: str) -> datetime:
    found = STARTED.fullmatch(text.strip())
    if found:
        first, second, year, hour, minute = (int(part) for part in found.groups())
        month, day = (first, second) if order == MONTH_FIRST else (second, first)
        # Two-digit years as strptime's %y reads them: 69-99 are 1900s, 00-68 2000s.
        try:
            return datetime(year + (1900 if year >= 69 else 2000), month, day, hour, minute)
        except ValueError:
            pass
    raise ValueError(f"'{text}' is not a start time as {order} H:mm")


def _lasted(text: str) -> timedelta | None:
    found = LASTED.match(text.strip())
    if not text.strip() or not found or not any(found.groups()):
        return None
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def read(export: Export, source: Source) -> Entries:
    order, how = _date_order(export)
    source.notes.append(how)
    with _table(export) as records:
        for line, row in records:
            where = f"line {line}"
            try:
                offset = int((row.get("Start UTC Offset (min)") or "0").strip() or 0)
                start = source.offset(_started(row.get("Started", ""), order), offset)
            except ValueError as exc:
                source.problem(where, str(exc))
                continue
            yield from _attack(source, where, row, start, offset)


def _listed(label: str, words: list[str]) -> str:
    return f"{label}: {', '.join(words)}." if words else ""


def _attack(source: Source, where: str, row: dict, start: datetime, offset: int) -> Entries:
    duration = _lasted(row.get("Lasted", ""))
    key = f"{row.get('Started', '').strip()}|{offset}"
    for column, what in LEFT_OUT.items():
        if cell := row.get(column):  # most are empty
            source.leave_out(what, cell.strip())
    answers, other = symptoms(items(row.get("Symptoms")))
    details = (
        _listed("Type", items(row.get("Attack Types"))),
        _listed("Symptoms", other),
        (row.get("Notes") or "").strip(),
    )
    yield Attack(
        key,
        where,
        start,
        start + duration if duration else None,
        (row.get("Pain Level") or "").strip(),
        answers=answers,
        triggers=tuple(items(row.get("Potential Triggers"))),
        details=details,
    )
    for column, relief in MEDICINE_COLUMNS.items():
        if not (medicines := items(row.get(column))):
            continue
        help_word = column.removesuffix(" Medication").lower()
        for n, medicine in enumerate(medicines):
            found = COUNT.match(medicine)
            dose, name = found.groups() if found else ("", medicine)
            yield Taken(
                f"{key}:{column}:{n}",
                where,
                start,
                name,
                dose,
                f"{help_word}.".capitalize(),
                relief_2h=relief,
            )
