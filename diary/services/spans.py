"""The days a page, an export or a report covers: held to the diary's span, bounded in length.

A range decides how much a page or export computes, so none may run past today,
start before the diary's first entry, or be longer than MAX_RANGE_DAYS: a request
for 0001-01-01..9999-12-30 on an empty diary must not build 3.6 million rows.
"""

from dataclasses import dataclass
from datetime import date

from diary.clock import local_today, shift
from diary.models import User
from diary.rules import MAX_RANGE_DAYS
from diary.services.trends import first_entry_day


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date
    # True when the range asked for was longer than MAX_RANGE_DAYS (the page says so).
    shortened: bool = False

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def bounded(first: date, last: date, earliest: date, today: date) -> DayRange:
    """Hold first..last to earliest..today and to MAX_RANGE_DAYS, keeping the recent end."""
    held_first = max(min(first, last), earliest)
    held_last = min(max(first, last), today)
    held_first = min(held_first, held_last)
    if (held_last - held_first).days < MAX_RANGE_DAYS:
        return DayRange(held_first, held_last)
    return DayRange(shift(held_last, -(MAX_RANGE_DAYS - 1)), held_last, shortened=True)


def whole_diary(user: User) -> DayRange:
    """Return the user's diary from its first entry to today (bounded like any range)."""
    today = local_today(user.timezone)
    first = first_entry_day(user) or today
    return bounded(first, today, first, today)
