"""Migraine Buddy: CSV export with a preamble of ongoing events, a blank line, then the
24-column attack table, every cell quoted.

`Started` is `MM/dd/yy H:mm` local time with its UTC offset in minutes east; `Lasted`
is `01h 00m` (or `1d 02h 15m`); medicine cells list `1x Sumatriptan, ...` by how much
they helped. Source: the real export in crmne/cluster-headache-tracker issue #81 and its
parser app/models/headache_log/migraine_buddy_export.rb.
"""

import re
from datetime import datetime, timedelta

from diary.imports.readers import csv_records, items
from diary.imports.source import Attack, Source, Taken, Times

CODE, LABEL = "migraine_buddy", "Migraine Buddy CSV"
TABLE_START = '"#","Started","Lasted"'
MEDICINE_COLUMNS = (
    "Helpful Medication",
    "Somewhat Helpful Medication",
    "Unhelpful Medication",
    "Unsure Medication",
)
DETAILS = (("Attack Types", "Type"), ("Potential Triggers", "Triggers"), ("Symptoms", "Symptoms"))
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


def detect(text: str) -> bool:
    return TABLE_START in text[:20_000]


def _started(text: str) -> datetime:
    for pattern in ("%m/%d/%y %H:%M", "%d/%m/%y %H:%M"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a start time as MM/dd/yy H:mm")


def _lasted(text: str) -> timedelta | None:
    found = LASTED.match(text.strip())
    if not text.strip() or not found or not any(found.groups()):
        return None
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def read(text: str, zone: str) -> Source:
    source = Source(CODE)
    times = Times(zone, source)
    at = text.index(TABLE_START)
    first_line = text.count("\n", 0, at) + 1
    _, records = csv_records(text[at:])
    for line, row in records:
        where = f"line {line + first_line - 1}"
        try:
            offset = int((row.get("Start UTC Offset (min)") or "0").strip() or 0)
            start = times.offset(_started(row.get("Started", "")), offset)
        except ValueError as exc:
            source.problems.append((where, str(exc)))
            continue
        duration = _lasted(row.get("Lasted", ""))
        key = f"{row.get('Started', '').strip()}|{offset}"
        for column, what in LEFT_OUT.items():
            source.leave_out(what, (row.get(column) or "").strip())
        details = [
            f"{label}: {', '.join(items(row.get(column)))}." if items(row.get(column)) else ""
            for column, label in DETAILS
        ] + [(row.get("Notes") or "").strip()]
        source.attacks.append(
            Attack(
                key,
                where,
                start,
                start + duration if duration else None,
                (row.get("Pain Level") or "").strip(),
                tuple(details),
            )
        )
        for column in MEDICINE_COLUMNS:
            for n, medicine in enumerate(items(row.get(column))):
                found = COUNT.match(medicine)
                dose, name = found.groups() if found else ("", medicine)
                help_word = column.removesuffix(" Medication").lower()
                source.doses.append(
                    Taken(
                        f"{key}:{column}:{n}",
                        where,
                        start,
                        name,
                        dose,
                        f"{help_word}.".capitalize(),
                    )
                )
    return source
