"""Cluster Headache Tracker: `headache_logs-*.csv` and its medication doses CSV.

Times are wall-clock `YYYY-MM-DD HH:MM:SS`; an empty end_time is an ongoing attack;
medication and triggers are comma-separated (` + ` in older files). Source:
crmne/cluster-headache-tracker, app/models/headache_log.rb and medication_dose/exportable.rb.
"""

import re
from datetime import datetime

from diary.imports.readers import csv_records
from diary.imports.source import Attack, Source, Taken, Times

CODE, LABEL = "cluster_headache_tracker", "Cluster Headache Tracker CSV"
LOG_HEADER = "start_time,end_time,intensity,medication,triggers,notes"
DOSES_HEADER = "taken_at,medication,kind,amount,unit"
SEPARATORS = re.compile(r"\s*(?:,|;|\s\+\s|&|\band\b)\s*")


def detect(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0].strip()
    return first.startswith(LOG_HEADER) or first.startswith(DOSES_HEADER)


def _time(times: Times, text: str) -> datetime:
    try:
        return times.wall(datetime.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        raise ValueError(f"'{text}' is not a time as YYYY-MM-DD HH:MM:SS") from None


def read(text: str, zone: str) -> Source:
    source = Source(CODE)
    times = Times(zone, source)
    header, records = csv_records(text)
    doses_file = header[:1] == ["taken_at"]
    for line, row in records:
        where = f"line {line}"
        try:
            if doses_file:
                _dose(source, times, where, row)
            else:
                _attack(source, times, where, row)
        except ValueError as exc:
            source.problems.append((where, str(exc)))
    return source


def _attack(source: Source, times: Times, where: str, row: dict) -> None:
    start = _time(times, row["start_time"])
    end = _time(times, row["end_time"]) if (row.get("end_time") or "").strip() else None
    key = row["start_time"].strip()
    triggers = [t for t in SEPARATORS.split(row.get("triggers") or "") if t]
    details = (
        f"Triggers: {', '.join(triggers)}." if triggers else "",
        (row.get("notes") or "").strip(),
    )
    source.attacks.append(Attack(key, where, start, end, row.get("intensity", ""), details))
    for n, medicine in enumerate(m for m in SEPARATORS.split(row.get("medication") or "") if m):
        source.doses.append(Taken(f"{key}:medicine:{n}", where, start, medicine))


def _dose(source: Source, times: Times, where: str, row: dict) -> None:
    taken_at = _time(times, row["taken_at"])
    amount, unit = (row.get("amount") or "").strip(), (row.get("unit") or "").strip()
    source.leave_out("effectiveness", (row.get("effectiveness") or "").strip())
    source.leave_out("minutes to relief", (row.get("minutes_to_relief") or "").strip())
    source.leave_out("duration (oxygen)", (row.get("duration_minutes") or "").strip())
    key = f"dose:{row['taken_at'].strip()}:{row.get('medication', '').strip()}"
    name = (row.get("medication") or "").strip()
    source.doses.append(Taken(key, where, taken_at, name, f"{amount} {unit}".strip()))
