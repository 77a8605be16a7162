"""medications.csv: taken_at,name,dose,class,note,relief_2h."""

from diary.clock import format_timestamp
from diary.models import MedicationDose
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.medications import checked_dose
from diary.transfer.base import CsvFormat
from diary.transfer.cells import minute_time


class MedicationsCsv(CsvFormat):
    filename = "medications.csv"
    # relief_2h came later: last, and optional, so files written before it still import.
    header = ("taken_at", "name", "dose", "class", "note", "relief_2h")
    optional = frozenset({"dose", "note", "relief_2h"})
    columns = (
        MedicationDose.taken_at,
        MedicationDose.name,
        MedicationDose.dose,
        MedicationDose.med_class,
        MedicationDose.note,
        MedicationDose.relief_2h,
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
            relief_2h=row.get("relief_2h", ""),
        )

    def prepare_rows(self, rows):
        return bulk_rows(MedicationDose, rows)

    def store_many(self, user, rows):
        insert_bulk(rows)

    def cells(self, record):
        taken_at, name, dose, med_class, note, relief_2h = record
        return format_timestamp(taken_at), name, dose, med_class, note, relief_2h or ""
