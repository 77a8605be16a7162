"""preventives.csv (name,dose,schedule,started_on,ended_on,note) and preventive_doses.csv
(regimen_started_on,name,due_on,status): the doses marked, each naming its regimen."""

from sqlalchemy import select

from diary import rules
from diary.clock import local_today
from diary.extensions import db
from diary.models import PreventiveDose, PreventiveRegimen
from diary.models.preventive import DOSE_STATUSES
from diary.rules import Checker, EntryError
from diary.services.preventives import EDITABLE, add_regimen, checked_regimen, mark_dose
from diary.transfer.base import CsvFormat


def _day(value) -> str:
    return value.isoformat() if value else ""


class PreventivesCsv(CsvFormat):
    filename = "preventives.csv"
    header = ("name", "dose", "schedule", "started_on", "ended_on", "note")
    optional = frozenset({"dose", "ended_on", "note"})
    columns = (
        PreventiveRegimen.name,
        PreventiveRegimen.dose,
        PreventiveRegimen.schedule,
        PreventiveRegimen.started_on,
        PreventiveRegimen.ended_on,
        PreventiveRegimen.note,
    )
    sort_by = "started_on"

    def parse(self, user, row):
        return checked_regimen(user, **{name: row.get(name, "") for name in EDITABLE})

    def store_many(self, user, rows):
        # Few rows: one at a time through the service.
        for values in rows:
            add_regimen(user, **{name: values[name] for name in EDITABLE})

    def cells(self, record):
        name, dose, schedule, started_on, ended_on, note = record
        return name, dose, schedule, started_on.isoformat(), _day(ended_on), note


class PreventiveDosesCsv(CsvFormat):
    """Only the doses marked: an unmarked scheduled dose counts as taken and has no row."""

    filename = "preventive_doses.csv"
    header = ("regimen_started_on", "name", "due_on", "status")

    def parse(self, user, row):
        """Check a row's values; its regimen and due day are checked as it is stored."""
        today = local_today(user.timezone)
        check = Checker()
        values = {
            "regimen_started_on": check(
                "regimen_started_on",
                rules.day,
                row["regimen_started_on"],
                "regimen_started_on",
                today,
                planned=True,
            ),
            "name": check("name", rules.text, row["name"], "name", rules.NAME_MAX, required=True),
            "due_on": check("due_on", rules.day, row["due_on"], "due_on", today),
            "status": check("status", rules.choice, row["status"], "status", DOSE_STATUSES),
        }
        check.done()
        return values

    def record(self, values):
        return tuple(values[name] for name in self.header)

    def existing(self, user):
        rows = db.session.execute(
            select(
                PreventiveRegimen.started_on,
                PreventiveRegimen.name,
                PreventiveDose.due_on,
                PreventiveDose.status,
            )
            .join(PreventiveDose.regimen)
            .where(PreventiveRegimen.user_id == user.id)
            .order_by(
                PreventiveRegimen.started_on,
                PreventiveRegimen.id,
                PreventiveDose.due_on,
                PreventiveDose.id,
            )
        )
        return (tuple(row) for row in rows)

    def export_rows(self, user):
        return (self.cells(record) for record in self.existing(user))

    def store_many(self, user, rows):
        regimens: dict[tuple, PreventiveRegimen] = {}
        for regimen in db.session.scalars(
            select(PreventiveRegimen)
            .where(PreventiveRegimen.user_id == user.id)
            .order_by(PreventiveRegimen.id)
        ):
            regimens.setdefault((regimen.started_on, regimen.name), regimen)
        for values in rows:
            regimen = regimens.get((values["regimen_started_on"], values["name"]))
            if regimen is None:
                raise EntryError(
                    {
                        "regimen_started_on": f"There is no preventive {values['name']!r} that"
                        f" started on {values['regimen_started_on']}."
                    }
                )
            mark_dose(user, regimen, due_on=values["due_on"], status=values["status"])

    def cells(self, record):
        started_on, name, due_on, status = record
        return started_on.isoformat(), name, due_on.isoformat(), status
