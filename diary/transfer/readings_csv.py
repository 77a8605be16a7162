"""readings.csv: recorded_at,pain,note."""

from sqlalchemy import select

from diary.clock import format_timestamp, parse_timestamp
from diary.extensions import db
from diary.models import Reading
from diary.services.readings import add_reading
from diary.transfer.base import CsvFormat, collect
from diary.validation import check_not_future, check_note, parse_pain


class ReadingsCsv(CsvFormat):
    filename = "readings.csv"
    header = ("recorded_at", "pain", "note")
    optional = frozenset({"note"})

    def parse(self, user, row, now):
        def recorded_at():
            moment = parse_timestamp(row["recorded_at"])
            check_not_future(moment, now)
            return moment

        def note():
            text = row.get("note", "")
            check_note(text)
            return text

        return tuple(collect(recorded_at, lambda: parse_pain(row["pain"]), note))

    def existing(self, user):
        rows = db.session.execute(
            select(Reading.recorded_at, Reading.pain, Reading.note).where(
                Reading.user_id == user.id
            )
        )
        return (tuple(row) for row in rows)

    def store(self, user, record):
        add_reading(user, *record)

    def export_rows(self, user):
        rows = db.session.execute(
            select(Reading.recorded_at, Reading.pain, Reading.note)
            .where(Reading.user_id == user.id)
            .order_by(Reading.recorded_at, Reading.id)
        )
        for recorded_at, pain, note in rows:
            yield format_timestamp(recorded_at), str(pain), note
