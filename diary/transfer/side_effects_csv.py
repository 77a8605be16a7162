"""side_effects.csv: recorded_at,effect,severity,note."""

from diary.clock import format_timestamp
from diary.models import SideEffectReport
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.side_effects import checked_report
from diary.transfer.base import CsvFormat
from diary.transfer.cells import minute_time


class SideEffectsCsv(CsvFormat):
    filename = "side_effects.csv"
    header = ("recorded_at", "effect", "severity", "note")
    optional = frozenset({"note"})
    columns = (
        SideEffectReport.recorded_at,
        SideEffectReport.effect,
        SideEffectReport.severity,
        SideEffectReport.note,
    )
    sort_by = "recorded_at"

    def parse(self, user, row):
        return checked_report(
            user,
            recorded_at=minute_time(row["recorded_at"], "recorded_at"),
            effect=row["effect"],
            severity=row["severity"],
            note=row.get("note", ""),
        )

    def prepare_rows(self, rows):
        return bulk_rows(SideEffectReport, rows)

    def store_many(self, user, rows):
        insert_bulk(rows)

    def cells(self, record):
        recorded_at, effect, severity, note = record
        return format_timestamp(recorded_at), effect, severity, note
