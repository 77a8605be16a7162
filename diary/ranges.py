"""Date ranges asked for in a URL: read strictly, held to the diary's own span, bounded in length.

A range decides how much a page or export computes, so none may run past today,
start before the diary's first entry, or be longer than MAX_RANGE_DAYS: a request
for 0001-01-01..9999-12-30 on an empty diary must not build 3.6 million rows.
"""

from dataclasses import dataclass, replace
from datetime import date

from flask import abort, request

from diary.clock import local_today, parse_day, shift
from diary.models import User
from diary.services.trends import first_entry_day

# Twenty years of days: more than any diary here holds, small enough to answer at once.
MAX_RANGE_DAYS = 20 * 366


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date
    # True when the range asked for was longer than MAX_RANGE_DAYS (the page says so).
    shortened: bool = False

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def day_arg(name: str) -> date | None:
    """Return the YYYY-MM-DD query argument `name`, or None; a bad one is a 400 saying why."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_day(text, f"'{name}'")
    except ValueError as exc:
        abort(400, description=str(exc))


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


def asked_range(diary: DayRange, default_days: int | None = None) -> DayRange:
    """Return the request's ?from=&to= range within the diary.

    Without ?from=, the range is the last default_days days, or the whole diary.
    """
    last = day_arg("to") or diary.last
    default_first = shift(min(last, diary.last), -(default_days - 1)) if default_days else None
    first = day_arg("from") or default_first or diary.first
    span = bounded(first, last, diary.first, diary.last)
    # The diary itself was cut to MAX_RANGE_DAYS and the request reaches into what was cut.
    if diary.shortened and first < diary.first:
        return replace(span, shortened=True)
    return span
