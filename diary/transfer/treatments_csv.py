"""treatments.csv: kind,started_on,ended_on,setting,notes,name (name last: older files lack it)."""

from diary.clock import local_today
from diary.models import Treatment
from diary.services.treatments import (
    EDITABLE,
    add_treatment,
    checked_treatment,
    settle_past_follow_up,
)
from diary.transfer.base import CsvFormat


class TreatmentsCsv(CsvFormat):
    filename = "treatments.csv"
    header = ("kind", "started_on", "ended_on", "setting", "notes", "name")
    optional = frozenset({"ended_on", "setting", "notes", "name"})
    columns = (
        Treatment.kind,
        Treatment.started_on,
        Treatment.ended_on,
        Treatment.setting,
        Treatment.notes,
        Treatment.name,
    )
    sort_by = "started_on"

    def parse(self, user, row):
        return checked_treatment(user, **{name: row.get(name, "") for name in EDITABLE})

    def store_many(self, user, rows):
        # Few rows, each with its follow-up reminder: one at a time through the service.
        # A follow-up already past is history, done, not a thing to do now.
        today = local_today(user.timezone)
        for values in rows:
            treatment = add_treatment(user, **{name: values[name] for name in EDITABLE})
            settle_past_follow_up(treatment, today)

    def cells(self, record):
        kind, started, ended, setting, notes, name = record
        return kind, started.isoformat(), ended.isoformat() if ended else "", setting, notes, name
