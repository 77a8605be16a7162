"""medications.csv: taken_at,name,dose,class,note."""

from diary.clock import format_timestamp
from diary.models import MedicationDose
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.medications import check_dose, dose_rows
from diary.transfer.base import CsvFormat, collect
from diary.transfer.readings_csv import parse_moment


class MedicationsCsv(CsvFormat):
    filename = "medications.csv"
    header = ("taken_at", "name", "dose", "class", "note")
    optional = frozenset({"dose", "note"})
    columns = (
        MedicationDose.taken_at,
        MedicationDose.name,
        MedicationDose.dose,
        MedicationDose.med_class,
        MedicationDose.note,
    )
    sort_by = "taken_at"

    def parse(self, user, row, now):
        name, dose, med_class = row["name"], row.get("dose", ""), row["class"]
        note = row.get("note", "")
        moment, _ = collect(
            lambda: parse_moment(row["taken_at"], now),
            lambda: check_dose(name, dose, med_class, note),
        )
        return moment, name, dose, med_class, note

    def prepare_rows(self, user, records):
        return bulk_rows(MedicationDose, dose_rows(user, records))

    def store_many(self, user, rows):
        insert_bulk(rows)

    def cells(self, record):
        taken_at, name, dose, med_class, note = record
        return format_timestamp(taken_at), name, dose, med_class, note
