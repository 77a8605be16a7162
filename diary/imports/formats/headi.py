"""Headi (Android): `_id,pain,start_date,end_date,duration,strength,medication,...` CSV.

Times are Unix epoch milliseconds; a missing value is the literal text `null`
(Java string concatenation of SQL NULL). Source: MrReSc/Headi, HeadiDBSQLiteHelper.
"""

from diary.imports.readers import csv_records
from diary.imports.source import Attack, Source, Taken, Times

CODE, LABEL = "headi", "Headi CSV"
HEADER = ("_id", "pain", "start_date", "end_date", "duration", "strength", "medication")


def detect(text: str) -> bool:
    return tuple(text.lstrip().split("\n", 1)[0].strip().split(",")[: len(HEADER)]) == HEADER


def _cell(row: dict, name: str) -> str:
    value = (row.get(name) or "").strip()
    return "" if value == "null" else value


def _epoch(times: Times, text: str):
    if not text.lstrip("-").isdigit():
        raise ValueError(f"'{text}' is not a time in milliseconds since 1970")
    return times.epoch(int(text), scale=1000)


def read(text: str, zone: str) -> Source:
    source = Source(CODE)
    times = Times(zone, source)
    _, records = csv_records(text)
    for line, row in records:
        where = f"line {line}"
        try:
            start = _epoch(times, _cell(row, "start_date"))
            end = _epoch(times, _cell(row, "end_date")) if _cell(row, "end_date") else None
        except ValueError as exc:
            source.problems.append((where, str(exc)))
            continue
        key = _cell(row, "_id") or _cell(row, "start_date")
        pain_type = _cell(row, "pain")
        details = (f"Pain type: {pain_type}." if pain_type else "", _cell(row, "description"))
        source.attacks.append(Attack(key, where, start, end, _cell(row, "strength"), details))
        medicine = _cell(row, "medication")
        if medicine:
            amount = _cell(row, "medication_amount")
            dose = f"{amount}x" if amount.isdigit() and int(amount) > 0 else ""
            source.doses.append(Taken(f"{key}:medicine", where, start, medicine, dose))
    return source
