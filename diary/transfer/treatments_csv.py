"""treatments.csv: kind,started_on,ended_on,setting,notes."""

from diary.clock import parse_day
from diary.models import Treatment
from diary.services.treatments import add_treatment, check_dates, check_kind, check_setting
from diary.transfer.base import CsvFormat, collect
from diary.validation import check_note


class TreatmentsCsv(CsvFormat):
    filename = "treatments.csv"
    header = ("kind", "started_on", "ended_on", "setting", "notes")
    optional = frozenset({"ended_on", "setting", "notes"})
    columns = (
        Treatment.kind,
        Treatment.started_on,
        Treatment.ended_on,
        Treatment.setting,
        Treatment.notes,
    )
    sort_by = "started_on"

    def parse(self, user, row, now):
        setting, notes = row.get("setting", ""), row.get("notes", "")
        kind, started, ended, _, _ = collect(
            lambda: check_kind(row["kind"]),
            lambda: parse_day(row["started_on"], "started_on"),
            lambda: parse_day(row["ended_on"], "ended_on") if row.get("ended_on") else None,
            lambda: check_setting(setting),
            lambda: check_note(notes),
        )
        check_dates(started, ended, now.date())
        return kind, started, ended, setting, notes

    def store_many(self, user, records):
        # Few rows, each with its follow-up reminder: one at a time through the service.
        for record in records:
            add_treatment(user, *record)

    def cells(self, record):
        kind, started, ended, setting, notes = record
        return kind, started.isoformat(), ended.isoformat() if ended else "", setting, notes
