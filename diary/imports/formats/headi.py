"""Headi (Android): `_id,pain,start_date,end_date,duration,strength,medication,...` CSV.

Times are Unix epoch milliseconds; a missing value is the literal text `null`
(Java string concatenation of SQL NULL). Source: MrReSc/Headi, HeadiDBSQLiteHelper.
"""

from diary.imports.readers import Export, csv_records
from diary.imports.source import Attack, Entries, Source, Taken

CODE, LABEL = "headi", "Headi CSV"
HEADER = ("_id", "pain", "start_date", "end_date", "duration", "strength", "medication")


def detect(export: Export) -> bool:
    first = export.head.lstrip().split("\n", 1)[0].strip()
    return tuple(first.split(",")[: len(HEADER)]) == HEADER


def _cell(row: dict, name: str) -> str:
    value = (row.get(name) or "").strip()
    return "" if value == "null" else value


def _epoch(source: Source, text: str):
    if not text.lstrip("-").isdigit():
        raise ValueError(f"'{text}' is not a time in milliseconds since 1970")
    return source.epoch(int(text), scale=1000)


def read(export: Export, source: Source) -> Entries:
    with export.text() as text:
        _, records = csv_records(text)
        for line, row in records:
            where = f"line {line}"
            try:
                start = _epoch(source, _cell(row, "start_date"))
                end = _epoch(source, _cell(row, "end_date")) if _cell(row, "end_date") else None
            except ValueError as exc:
                source.problem(where, str(exc))
                continue
            key = _cell(row, "_id") or _cell(row, "start_date")
            pain_type = _cell(row, "pain")
            details = (f"Pain type: {pain_type}." if pain_type else "", _cell(row, "description"))
            yield Attack(key, where, start, end, _cell(row, "strength"), details=details)
            medicine = _cell(row, "medication")
            if medicine:
                amount = _cell(row, "medication_amount")
                dose = f"{amount}x" if amount.isdigit() and int(amount) > 0 else ""
                yield Taken(f"{key}:medicine", where, start, medicine, dose)
