"""Cluster Headache Tracker: `headache_logs-*.csv` and its medication doses CSV.

Times are wall-clock `YYYY-MM-DD HH:MM:SS`; an empty end_time is an ongoing attack;
medication and triggers are comma-separated (` + ` in older files). Source:
crmne/cluster-headache-tracker, app/models/headache_log.rb and medication_dose/exportable.rb.

The two files record an attack's medicines twice: the log's medication column is written
from the attack's doses, which the doses file lists with their own times and links to
the attack by attack_start_time (the attack's start_time as written). Each intake is
imported once, from the doses file, in either order: its doses of an attack replace the
log's medicines of that attack imported before, and the log's medicines of an attack
whose doses the diary holds from the doses file are not imported.
"""

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from diary.imports.readers import Export, csv_records
from diary.imports.source import Attack, Entries, Source, Taken

CODE, LABEL = "cluster_headache_tracker", "Cluster Headache Tracker CSV"
LOG_HEADER = "start_time,end_time,intensity,medication,triggers,notes"
DOSES_HEADER = "taken_at,medication,kind,amount,unit"
SEPARATORS = re.compile(r"\s*(?:,|;|\s\+\s|&|\band\b)\s*")
WALL_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
# The log names each of an attack's doses by one label, and a label splits into more
# medicines where its name holds "and", "&", "," or ";": a dose replaces up to this many.
LOG_MEDICINES_PER_DOSE = 3

RowReader = Callable[[Source, str, dict], Entries]

# The doses file's effectiveness in the diary's 2-hour answers.
EFFECTIVENESS = {"helped": "better", "no_effect": "same", "made_worse": "worse"}


def detect(export: Export) -> bool:
    first = export.head.lstrip().split("\n", 1)[0].strip()
    return first.startswith(LOG_HEADER) or first.startswith(DOSES_HEADER)


def _time(source: Source, text: str) -> datetime:
    written = text.strip()[:19]
    try:
        if WALL_TIME.fullmatch(written):
            return source.wall(datetime.fromisoformat(written))
    except ValueError:
        pass
    raise ValueError(f"'{text}' is not a time as YYYY-MM-DD HH:MM:SS")


def read(export: Export, source: Source) -> Entries:
    with export.text() as text:
        header, _ = csv_records(text)
    read_row = _doses_reader(export) if header[:1] == ["taken_at"] else _attack
    with export.text() as text:
        for line, row in csv_records(text)[1]:
            where = f"line {line}"
            try:
                yield from read_row(source, where, row)
            except ValueError as exc:
                source.problem(where, str(exc))


def _medicine_key(attack: str, n: int) -> str:
    """Return the key of the log's nth medicine of an attack."""
    return f"{attack}:medicine:{n}"


def _dose_key(attack: str, n: int) -> str:
    """Return the key of the doses file's nth dose of an attack, from its earliest."""
    return f"{attack}:dose:{n}"


def _attack(source: Source, where: str, row: dict) -> Entries:
    start = _time(source, row["start_time"])
    end = _time(source, row["end_time"]) if (row.get("end_time") or "").strip() else None
    key = row["start_time"].strip()
    triggers = tuple(t for t in SEPARATORS.split(row.get("triggers") or "") if t)
    medicines = [m for m in SEPARATORS.split(row.get("medication") or "") if m]
    notes = (row.get("notes") or "").strip()
    yield Attack(
        key, where, start, end, row.get("intensity", ""), triggers=triggers, details=(notes,)
    )
    # Written from the attack's doses: once the doses file's are in the diary, they count.
    doses = tuple(_dose_key(key, n) for n in range(len(medicines)))
    for n, medicine in enumerate(medicines):
        yield Taken(_medicine_key(key, n), where, start, medicine, superseded_by=doses)


def _linked(row: dict) -> tuple[str, str]:
    """Return a dose row's medicine name and the start of the attack it belongs to (or "")."""
    return (row.get("medication") or "").strip(), (row.get("attack_start_time") or "").strip()


def _doses_reader(export: Export) -> RowReader:
    """Return the row reader of a doses file, which numbers each attack's doses."""
    per_attack: Counter = Counter()
    with export.text() as text:
        for _, row in csv_records(text)[1]:
            name, attack = _linked(row)
            if name and attack:
                per_attack[attack] += 1
    left = per_attack.copy()

    def dose(source: Source, where: str, row: dict) -> Entries:
        taken_at = _time(source, row["taken_at"])
        amount, unit = (row.get("amount") or "").strip(), (row.get("unit") or "").strip()
        source.leave_out("minutes to relief", (row.get("minutes_to_relief") or "").strip())
        source.leave_out("duration (oxygen)", (row.get("duration_minutes") or "").strip())
        name, attack = _linked(row)
        key = f"dose:{row['taken_at'].strip()}:{name}"
        replaces: tuple[str, ...] = ()
        if name and attack:
            # Newest first in the file, so an attack's earliest dose is numbered 0 and a
            # later export's new doses take new numbers.
            left[attack] -= 1
            key = _dose_key(attack, left[attack])
            medicines = LOG_MEDICINES_PER_DOSE * per_attack[attack]
            replaces = tuple(_medicine_key(attack, n) for n in range(medicines))
        relief = EFFECTIVENESS.get((row.get("effectiveness") or "").strip())
        dose = f"{amount} {unit}".strip()
        yield Taken(key, where, taken_at, name, dose, replaces=replaces, relief_2h=relief)

    return dose
