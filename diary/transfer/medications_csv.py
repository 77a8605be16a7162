"""medications.csv: taken_at,name,dose,class,note."""

from diary.clock import format_timestamp
from diary.models import MedicationDose
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.medications import checked_dose
from diary.transfer.base import CsvFormat
from diary.transfer.cells import minute_time


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

    def parse(self, user, row):
        return checked_dose(
            user,
            taken_at=minute_time(row["taken_at"], "taken_at"),
            name=row["name"],
            dose=row.get("dose", ""),
            med_class=row["class"],
            note=row.get("note", ""),
        )

    def prepare_rows(self, rows):
        return bulk_rows(MedicationDose, rows)

    def store_many(self, user, rows):
        insert_bulk(rows)

    def cells(self, record):
        taken_at, name, dose, med_class, note = record
        return format_timestamp(taken_at), name, dose, med_class, note
