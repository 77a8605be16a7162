"""readings.csv: recorded_at,pain,note."""

from diary.clock import format_timestamp
from diary.models import Reading
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.readings import checked_reading
from diary.transfer.base import CsvFormat
from diary.transfer.cells import minute_time


class ReadingsCsv(CsvFormat):
    filename = "readings.csv"
    header = ("recorded_at", "pain", "note")
    optional = frozenset({"note"})
    numbers = frozenset({"pain"})
    columns = (Reading.recorded_at, Reading.pain, Reading.note)
    sort_by = "recorded_at"

    def parse(self, user, row):
        return checked_reading(
            user,
            recorded_at=minute_time(row["recorded_at"], "recorded_at"),
            pain=row["pain"],
            note=row.get("note", ""),
        )

    def prepare_rows(self, rows):
        return bulk_rows(Reading, rows)

    def store_many(self, user, rows):
        insert_bulk(rows)

    def cells(self, record):
        recorded_at, pain, note = record
        return format_timestamp(recorded_at), str(pain), note
