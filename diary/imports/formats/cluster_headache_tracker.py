"""Cluster Headache Tracker: `headache_logs-*.csv` and its medication doses CSV.

Times are wall-clock `YYYY-MM-DD HH:MM:SS`; an empty end_time is an ongoing attack;
medication and triggers are comma-separated (` + ` in older files). Source:
crmne/cluster-headache-tracker, app/models/headache_log.rb and medication_dose/exportable.rb.
"""

import re
from datetime import datetime

from diary.imports.readers import Export, csv_records
from diary.imports.source import Attack, Entries, Source, Taken

CODE, LABEL = "cluster_headache_tracker", "Cluster Headache Tracker CSV"
LOG_HEADER = "start_time,end_time,intensity,medication,triggers,notes"
DOSES_HEADER = "taken_at,medication,kind,amount,unit"
SEPARATORS = re.compile(r"\s*(?:,|;|\s\+\s|&|\band\b)\s*")
WALL_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


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
        header, records = csv_records(text)
        doses_file = header[:1] == ["taken_at"]
        for line, row in records:
            where = f"line {line}"
            try:
                yield from (_dose if doses_file else _attack)(source, where, row)
            except ValueError as exc:
                source.problem(where, str(exc))


def _attack(source: Source, where: str, row: dict) -> Entries:
    start = _time(source, row["start_time"])
    end = _time(source, row["end_time"]) if (row.get("end_time") or "").strip() else None
    key = row["start_time"].strip()
    triggers = [t for t in SEPARATORS.split(row.get("triggers") or "") if t]
    details = (
        f"Triggers: {', '.join(triggers)}." if triggers else "",
        (row.get("notes") or "").strip(),
    )
    medicines = [m for m in SEPARATORS.split(row.get("medication") or "") if m]
    yield Attack(key, where, start, end, row.get("intensity", ""), details)
    for n, medicine in enumerate(medicines):
        yield Taken(f"{key}:medicine:{n}", where, start, medicine)


def _dose(source: Source, where: str, row: dict) -> Entries:
    taken_at = _time(source, row["taken_at"])
    amount, unit = (row.get("amount") or "").strip(), (row.get("unit") or "").strip()
    source.leave_out("effectiveness", (row.get("effectiveness") or "").strip())
    source.leave_out("minutes to relief", (row.get("minutes_to_relief") or "").strip())
    source.leave_out("duration (oxygen)", (row.get("duration_minutes") or "").strip())
    key = f"dose:{row['taken_at'].strip()}:{row.get('medication', '').strip()}"
    name = (row.get("medication") or "").strip()
    yield Taken(key, where, taken_at, name, f"{amount} {unit}".strip())
