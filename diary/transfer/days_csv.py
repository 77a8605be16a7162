"""days.csv: day,headache_free,period: what the patient marked about whole days."""

from diary.models import DayMark
from diary.services.day_marks import checked_day_mark, mark_day
from diary.transfer.base import CsvFormat
from diary.transfer.cells import YES, yes_no

MARKS = ("headache_free", "period")


class DaysCsv(CsvFormat):
    filename = "days.csv"
    header = ("day", *MARKS)
    optional = frozenset(MARKS)
    columns = (DayMark.day, DayMark.headache_free, DayMark.period)
    sort_by = "day"

    def parse(self, user, row):
        marks = {name: yes_no(row.get(name, ""), name, (YES,)) is True for name in MARKS}
        return checked_day_mark(user, day=row["day"], **marks)

    def store_many(self, user, rows):
        # A day marked otherwise in the diary keeps its marks: the file's are added to them.
        for values in rows:
            mark_day(user, values["day"], **{name: True for name in MARKS if values[name]})

    def cells(self, record):
        day, *marks = record
        return day.isoformat(), *(YES if mark else "" for mark in marks)
