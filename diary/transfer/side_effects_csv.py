"""side_effects.csv: recorded_at,effect,severity,note."""

from diary.clock import format_timestamp
from diary.models import SideEffectReport
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.side_effects import check_report, report_rows
from diary.transfer.base import CsvFormat, collect
from diary.transfer.readings_csv import parse_moment


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

    def parse(self, user, row, now):
        effect, severity, note = row["effect"], row["severity"], row.get("note", "")
        moment, _ = collect(
            lambda: parse_moment(row["recorded_at"], now),
            lambda: check_report(effect, severity, note),
        )
        return moment, effect, severity, note

    def prepare_rows(self, user, records):
        return bulk_rows(SideEffectReport, report_rows(user, records))

    def store_many(self, user, rows):
        insert_bulk(rows)

    def cells(self, record):
        recorded_at, effect, severity, note = record
        return format_timestamp(recorded_at), effect, severity, note
