"""readings.csv: recorded_at,pain,note."""

from datetime import datetime

from diary.clock import format_timestamp, parse_timestamp
from diary.models import Reading
from diary.services.bulk import bulk_rows, insert_bulk
from diary.services.readings import reading_rows
from diary.transfer.base import CsvFormat, collect
from diary.validation import check_not_future, check_note, parse_pain


def parse_moment(text: str, now: datetime) -> datetime:
    """Parse a YYYY-MM-DDTHH:MM cell that must not be in the future."""
    moment = parse_timestamp(text)
    check_not_future(moment, now)
    return moment


class ReadingsCsv(CsvFormat):
    filename = "readings.csv"
    header = ("recorded_at", "pain", "note")
    optional = frozenset({"note"})
    columns = (Reading.recorded_at, Reading.pain, Reading.note)
    sort_by = "recorded_at"

    def parse(self, user, row, now):
        note = row.get("note", "")
        moment, pain, _ = collect(
            lambda: parse_moment(row["recorded_at"], now),
            lambda: parse_pain(row["pain"]),
            lambda: check_note(note),
        )
        return moment, pain, note

    def prepare_rows(self, user, records):
        return bulk_rows(Reading, reading_rows(user, records))

    def store_many(self, user, rows):
        insert_bulk(rows)

    def cells(self, record):
        recorded_at, pain, note = record
        return format_timestamp(recorded_at), str(pain), note
